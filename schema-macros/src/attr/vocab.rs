//! The closed vocabularies of the attributes (index methods, foreign key actions, rename
//! rules): parsed into enums, a word outside them an error at its token.

use syn::meta::ParseNestedMeta;

use super::parse::*;
use super::*;
use crate::ctxt::Ctxt;

/// An index's access method, `method = gin`: a closed vocabulary, parsed here; a word outside it
/// is an error at its token, never a silent default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexMethod {
    Btree,
    Hash,
    Gin,
    Gist,
    SpGist,
    Brin,
    Hnsw,
    Ivfflat,
}

impl IndexMethod {
    /// Each method as the attribute spells it.
    pub(super) const ALL: &'static [(&'static str, IndexMethod)] = &[
        ("btree", IndexMethod::Btree),
        ("hash", IndexMethod::Hash),
        ("gin", IndexMethod::Gin),
        ("gist", IndexMethod::Gist),
        ("spgist", IndexMethod::SpGist),
        ("brin", IndexMethod::Brin),
        ("hnsw", IndexMethod::Hnsw),
        ("ivfflat", IndexMethod::Ivfflat),
    ];

    /// The variant of `schema_core::schema::IndexMethod`.
    pub fn variant(self) -> &'static str {
        match self {
            IndexMethod::Btree => "Btree",
            IndexMethod::Hash => "Hash",
            IndexMethod::Gin => "Gin",
            IndexMethod::Gist => "Gist",
            IndexMethod::SpGist => "SpGist",
            IndexMethod::Brin => "Brin",
            IndexMethod::Hnsw => "Hnsw",
            IndexMethod::Ivfflat => "Ivfflat",
        }
    }
}

/// A foreign key's action, `on_delete = cascade`: a closed vocabulary, like [`IndexMethod`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// Each action as the attribute spells it.
    pub(super) const ALL: &'static [(&'static str, FkAction)] = &[
        ("cascade", FkAction::Cascade),
        ("restrict", FkAction::Restrict),
        ("set_null", FkAction::SetNull),
        ("set_default", FkAction::SetDefault),
        ("no_action", FkAction::NoAction),
    ];

    /// The variant of `schema_core::schema::FkAction`.
    pub fn variant(self) -> &'static str {
        match self {
            FkAction::NoAction => "NoAction",
            FkAction::Restrict => "Restrict",
            FkAction::Cascade => "Cascade",
            FkAction::SetNull => "SetNull",
            FkAction::SetDefault => "SetDefault",
        }
    }
}

/// `key = word` of a closed vocabulary (`all`): the word's value, or an error at the word that
/// names the closest valid one and lists them all (`None`).
pub(super) fn closed_word<T: Copy>(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    all: &[(&'static str, T)],
    what: &str,
    listing: &str,
) -> syn::Result<Option<Sp<T>>> {
    let ident = ident_value(meta)?;
    let name = ident.to_string();
    match all.iter().find(|(word, _)| *word == name) {
        Some((_, value)) => Ok(Some(Sp::new(*value, ident.span()))),
        None => {
            let words: Vec<&str> = all.iter().map(|(word, _)| *word).collect();
            cx.error_spanned_by(
                &ident,
                format!(
                    "unknown {what} `{name}`\nhelp: {}",
                    suggest(&name, &words, listing)
                ),
            );
            Ok(None)
        }
    }
}

pub const RENAME_RULES: &[&str] = &[
    "snake_case",
    "lowercase",
    "UPPERCASE",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "verbatim",
];
