//! A connection driven in the caller's task: the statement that waits for the server polls
//! tokio-postgres' connection itself, instead of handing the work to the connection's own task
//! and waiting to be woken by it.
//!
//! tokio-postgres splits a connection into a `Client`, which sends requests over a channel, and a
//! `Connection` future, which writes them to the socket and hands the server's answers back over
//! another channel; it is usually spawned as a task of its own. A statement then costs two task
//! switches on top of the server's work (the request to the connection's task, the answer back):
//! about 3 % of a primary-key lookup on a loopback server, in an experiment with the server and
//! the client on one CPU (raw tokio-postgres, its connection polled inline against spawned);
//! ours gained 1 to 1.5 % of it (`BENCHMARKS.md`).
//!
//! Here the `Connection` lives behind a lock, and every wake-up of it and of its requests goes
//! through [`Shared`] (its two wakers, one for the connection, one for the requests). A statement
//! that runs through [`Waiting::poll`] (or [`drive`]) says it is waiting, then polls its own
//! request's future, the connection (which writes the request, reads what the server sent and
//! hands each answer to its request) and its own future again. `Shared` wakes the waiting
//! statements when there are any (but not the one being polled, which is told instead), and a
//! background task when there are none: so a request of the `Client` used directly is driven by
//! the background task as before, and a connection that ends (the server closed it, the
//! `Client` was dropped) ends the background task.
//!
//! One case is left: a statement that waits, is woken and is then not polled again (its future
//! kept, unfinished, while its task awaits something else on the same connection, such as the
//! `Client` used directly). A watch thread, shared by every driven connection and asleep while
//! none has an event left unserved, looks every [`WATCH_EVERY`]: an event still unserved after a
//! whole period with no poll of the connection wakes the background task, which serves it. That
//! case waits for up to two periods; it never hangs. A statement that stops waiting (done or
//! dropped) with an event unserved wakes the background task itself.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

type ConnectionFuture = Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + Send>>;

/// How often the watch thread looks for an event nobody served.
pub(crate) const WATCH_EVERY: Duration = Duration::from_millis(10);

/// Periods without an unserved event after which the watch thread sleeps until told of one.
const IDLE_PERIODS: u32 = 50;

/// The shared side of a driven connection; see the module's text. Held by a [`Db`](super::Db)
/// (and lent to its transactions) and by the background task.
#[derive(Clone)]
pub struct Driver {
    shared: Arc<Shared>,
    /// The waker the connection is polled with: its events.
    connection_waker: Waker,
    /// The waker requests are polled with: answers handed to them.
    request_waker: Waker,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Driver")
    }
}

struct Shared {
    /// `None` once it has ended.
    connection: Mutex<Option<ConnectionFuture>>,
    wakers: Mutex<Wakers>,
    /// Polls of the connection so far.
    polls: AtomicU64,
    /// An event woke waiting statements and no poll of the connection has begun since.
    unserved: AtomicBool,
    /// Someone wants to poll the connection: whoever holds its lock polls it again.
    contended: AtomicBool,
    /// In the watch thread's list (once, for the connection's life).
    watched: AtomicBool,
    /// An event of the connection came for the statement being polled (see
    /// [`Wakers::in_poll`]) after it began to poll the connection.
    connection_missed: AtomicBool,
    /// An answer was handed over while the statement being polled was past polling its request.
    request_missed: AtomicBool,
}

#[derive(Default)]
struct Wakers {
    /// One slot per statement waiting in [`drive`]; `None` for a free slot.
    waiting: Vec<Option<Waker>>,
    background: Option<Waker>,
    /// The slot of the statement being polled in [`drive`] right now (the first, when several
    /// threads poll statements at once): not woken, since it polls the connection and its
    /// request before it returns, but told through `connection_missed`/`request_missed` of what
    /// came too late for that.
    in_poll: Option<usize>,
}

impl Wakers {
    fn any_waiting(&self) -> bool {
        self.waiting.iter().any(Option::is_some)
    }

    fn wake_background(&self) {
        if let Some(waker) = &self.background {
            waker.wake_by_ref();
        }
    }
}

/// Where a wake-up comes from.
#[derive(Clone, Copy)]
enum Source {
    Connection,
    Request,
}

/// [`Shared`] as a waker for one [`Source`].
struct SharedWaker {
    shared: Arc<Shared>,
    source: Source,
}

impl Wake for SharedWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.shared.wake(self.source);
    }
}

impl Shared {
    fn wake(self: &Arc<Self>, source: Source) {
        let wakers = lock(&self.wakers);
        let mut woken = false;
        for (at, waker) in wakers.waiting.iter().enumerate() {
            let Some(waker) = waker else {
                continue;
            };
            if wakers.in_poll != Some(at) {
                waker.wake_by_ref();
                woken = true;
            }
        }
        if wakers.in_poll.is_some() {
            match source {
                Source::Connection => self.connection_missed.store(true, Ordering::SeqCst),
                Source::Request => self.request_missed.store(true, Ordering::SeqCst),
            }
        } else if !woken {
            wakers.wake_background();
        }
        if !woken {
            return;
        }
        // Dekker's pairing with the watch thread's going to sleep: it says it sleeps, then
        // looks for unserved events; this says there is one, then looks whether it sleeps.
        self.unserved.store(true, Ordering::SeqCst);
        if !self.watched.swap(true, Ordering::SeqCst) {
            watch(Arc::downgrade(self));
        } else if WATCH.get().is_some_and(|w| w.asleep.load(Ordering::SeqCst)) {
            rouse();
        }
    }
}

/// A lock whose holder cannot leave its data half-changed (every change is one assignment), so
/// a panic elsewhere while it was held does not matter.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Driver {
    /// Takes `connection` over and spawns the background task that drives it when no statement
    /// does. Needs a tokio runtime, as spawning the connection does.
    pub(crate) fn spawn<F>(connection: F) -> Driver
    where
        F: Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
    {
        let shared = Arc::new(Shared {
            connection: Mutex::new(Some(Box::pin(connection))),
            wakers: Mutex::new(Wakers::default()),
            polls: AtomicU64::new(0),
            unserved: AtomicBool::new(false),
            contended: AtomicBool::new(false),
            watched: AtomicBool::new(false),
            connection_missed: AtomicBool::new(false),
            request_missed: AtomicBool::new(false),
        });
        let waker = |source| {
            Waker::from(Arc::new(SharedWaker {
                shared: shared.clone(),
                source,
            }))
        };
        let driver = Driver {
            connection_waker: waker(Source::Connection),
            request_waker: waker(Source::Request),
            shared,
        };
        let background = driver.clone();
        tokio::spawn(std::future::poll_fn(move |cx| {
            {
                let mut wakers = lock(&background.shared.wakers);
                match &mut wakers.background {
                    Some(waker) => waker.clone_from(cx.waker()),
                    None => wakers.background = Some(cx.waker().clone()),
                }
            }
            background.poll_connection()
        }));
        driver
    }

    /// Polls the connection, or has it polled again by whoever polls it right now on another
    /// thread. `Ready` once the connection has ended.
    fn poll_connection(&self) -> Poll<()> {
        let shared = &self.shared;
        loop {
            // Said before trying the lock: a holder that has let go either is seen letting go
            // (the lock is ours) or sees this (and polls again), as in Dekker's algorithm.
            shared.contended.store(true, Ordering::SeqCst);
            let Ok(mut connection) = shared.connection.try_lock() else {
                return Poll::Pending;
            };
            shared.contended.store(false, Ordering::SeqCst);
            let Some(future) = connection.as_mut() else {
                return Poll::Ready(());
            };
            shared.unserved.store(false, Ordering::SeqCst);
            shared.polls.fetch_add(1, Ordering::SeqCst);
            let mut cx = Context::from_waker(&self.connection_waker);
            if future.as_mut().poll(&mut cx).is_ready() {
                *connection = None;
                drop(connection);
                // Whoever waits (the background task among them) sees the end.
                let wakers = lock(&shared.wakers);
                wakers.wake_background();
                for waker in wakers.waiting.iter().flatten() {
                    waker.wake_by_ref();
                }
                return Poll::Ready(());
            }
            drop(connection);
            if !shared.contended.load(Ordering::SeqCst) {
                return Poll::Pending;
            }
        }
    }

    /// Says that the statement in `slot` (given one the first time) waits, woken through
    /// `waker`, and is being polled; whether it is [`Wakers::in_poll`]'s.
    fn begin(&self, slot: &mut Option<usize>, waker: &Waker) -> bool {
        let mut wakers = lock(&self.shared.wakers);
        let at = match *slot {
            Some(at) => {
                match &mut wakers.waiting[at] {
                    Some(kept) => kept.clone_from(waker),
                    free => *free = Some(waker.clone()),
                }
                at
            }
            None => {
                let at = match wakers.waiting.iter().position(Option::is_none) {
                    Some(at) => {
                        wakers.waiting[at] = Some(waker.clone());
                        at
                    }
                    None => {
                        wakers.waiting.push(Some(waker.clone()));
                        wakers.waiting.len() - 1
                    }
                };
                *slot = Some(at);
                at
            }
        };
        match wakers.in_poll {
            None => {
                wakers.in_poll = Some(at);
                true
            }
            Some(polled) => polled == at,
        }
    }

    /// The statement in `at` is no longer being polled; whether something came for it that
    /// its poll did not see.
    fn end(&self, at: Option<usize>) -> bool {
        let mut wakers = lock(&self.shared.wakers);
        if wakers.in_poll != at {
            return false;
        }
        wakers.in_poll = None;
        let connection = self.shared.connection_missed.swap(false, Ordering::SeqCst);
        let request = self.shared.request_missed.swap(false, Ordering::SeqCst);
        connection || request
    }
}

/// A statement waiting in [`drive`]: its place among the waiting (given the first time it is
/// polled), given up when it stops waiting (done or dropped).
pub(crate) struct Waiting<'a> {
    driver: Option<&'a Driver>,
    at: Option<usize>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

impl<'a> Waiting<'a> {
    /// No longer waiting: done, or dropped. Nothing is left registered for it, so that its task
    /// is not woken for this connection's events any more (and they go to whoever still waits,
    /// or to the background task), however long the `Waiting` itself is kept.
    fn stop(&mut self) {
        let (Some(driver), Some(at)) = (self.driver, self.at.take()) else {
            return;
        };
        let shared = &driver.shared;
        let mut wakers = lock(&shared.wakers);
        let waker = wakers.waiting[at].take();
        let mut missed = false;
        if wakers.in_poll == Some(at) {
            wakers.in_poll = None;
            shared.request_missed.store(false, Ordering::SeqCst);
            missed = shared.connection_missed.swap(false, Ordering::SeqCst);
        }
        // An event it was told of or woken for and did not serve: the background task's now,
        // unless another statement still waits (it was woken too).
        if (missed || shared.unserved.load(Ordering::SeqCst)) && !wakers.any_waiting() {
            wakers.wake_background();
        }
        drop(wakers);
        drop(waker);
    }

    /// A statement about to wait on `driver`'s connection (`None`: one driven elsewhere).
    pub(crate) fn new(driver: Option<&'a Driver>) -> Waiting<'a> {
        Waiting { driver, at: None }
    }

    /// Polls `request` (a future of the `Client` this driver's connection serves), driving the
    /// connection while it waits; without a driver, simply polls it.
    ///
    /// The request is polled with the driver's request waker, the connection with its
    /// connection waker: every wake-up goes through [`Shared`], which wakes each waiting
    /// statement but the one being polled, so that an answer handed over while a statement
    /// polls the connection does not have its task polled again for nothing. What comes too late
    /// for this poll to see has the task woken again (never a loop here: tokio's cooperative
    /// budget, once spent, makes every poll of the socket wake the task at once until the task
    /// yields).
    pub(crate) fn poll<F: Future>(
        &mut self,
        mut request: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        let Some(driver) = self.driver else {
            return request.poll(cx);
        };
        // Waiting before the request is sent, so that the wake-up its sending causes comes here.
        let polled = driver.begin(&mut self.at, cx.waker());
        let mut for_request = Context::from_waker(&driver.request_waker);
        if let Poll::Ready(output) = request.as_mut().poll(&mut for_request) {
            self.stop();
            return Poll::Ready(output);
        }
        // The request written, and whatever has come for it handed over: every event until the
        // connection's poll begins is seen by it, every answer until the request's poll begins
        // by that.
        if polled {
            driver
                .shared
                .connection_missed
                .store(false, Ordering::SeqCst);
        }
        let _ = driver.poll_connection();
        if polled {
            driver.shared.request_missed.store(false, Ordering::SeqCst);
        }
        if let Poll::Ready(output) = request.as_mut().poll(&mut for_request) {
            self.stop();
            return Poll::Ready(output);
        }
        if driver.end(self.at) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// Awaits `request` as [`Waiting::poll`] polls it.
pub(crate) async fn drive<F: Future>(driver: Option<&Driver>, request: F) -> F::Output {
    let mut request = pin!(request);
    let mut waiting = Waiting::new(driver);
    std::future::poll_fn(|cx| waiting.poll(request.as_mut(), cx)).await
}

/// The watch thread's state: the connections it has been told of, and whether it sleeps.
struct Watch {
    list: Mutex<Vec<Weak<Shared>>>,
    asleep: AtomicBool,
    rouse: Condvar,
}

static WATCH: OnceLock<Watch> = OnceLock::new();

fn watch(shared: Weak<Shared>) {
    let mut started = false;
    let watch = WATCH.get_or_init(|| {
        started = true;
        Watch {
            list: Mutex::new(Vec::new()),
            asleep: AtomicBool::new(false),
            rouse: Condvar::new(),
        }
    });
    lock(&watch.list).push(shared);
    if started {
        // A thread that cannot be started leaves the statements as they are without it: served
        // whenever they are polled, a kept, unpolled one waiting for the next poll.
        let _ = std::thread::Builder::new()
            .name("schema-core-watch".into())
            .spawn(|| watch_loop(WATCH.get().expect("set above")));
    } else {
        rouse();
    }
}

fn rouse() {
    if let Some(watch) = WATCH.get() {
        let _list = lock(&watch.list);
        watch.rouse.notify_one();
    }
}

fn watch_loop(watch: &Watch) {
    // Per connection: the count of polls when an unserved event was last seen.
    let mut seen: Vec<Option<u64>> = Vec::new();
    // Periods in a row with no unserved event: the thread sleeps after `IDLE_PERIODS` of them,
    // so that a connection in steady use does not have to rouse it for each statement.
    let mut idle = 0;
    loop {
        let connections: Vec<Weak<Shared>> = {
            let mut list = lock(&watch.list);
            list.retain(|c| c.strong_count() > 0);
            list.clone()
        };
        seen.resize(connections.len(), None);
        let mut any_unserved = false;
        for (connection, seen) in connections.iter().zip(seen.iter_mut()) {
            let Some(shared) = connection.upgrade() else {
                continue;
            };
            if !shared.unserved.load(Ordering::SeqCst) {
                *seen = None;
                continue;
            }
            any_unserved = true;
            let polls = shared.polls.load(Ordering::SeqCst);
            if *seen == Some(polls) {
                // A whole period, the event still unserved, the connection not polled.
                lock(&shared.wakers).wake_background();
                *seen = None;
            } else {
                *seen = Some(polls);
            }
        }
        if any_unserved {
            idle = 0;
        } else {
            idle += 1;
        }
        if idle < IDLE_PERIODS {
            std::thread::sleep(WATCH_EVERY);
            continue;
        }
        idle = 0;
        seen.clear();
        let mut list = lock(&watch.list);
        watch.asleep.store(true, Ordering::SeqCst);
        let still = list
            .iter()
            .filter_map(Weak::upgrade)
            .any(|shared| shared.unserved.load(Ordering::SeqCst));
        if !still {
            list = watch
                .rouse
                .wait(list)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        watch.asleep.store(false, Ordering::SeqCst);
        drop(list);
    }
}
