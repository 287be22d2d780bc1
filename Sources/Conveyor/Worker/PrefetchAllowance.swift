/// How many fetched jobs the consumer may hold beyond the worker's concurrency, waiting in the
/// runners' inbox: as many as finish during two of its fetches, so a runner that frees its slot
/// finds its next job in hand instead of idling for the consumer's next round trip.
///
/// Why it adapts rather than being a setting: a fixed prefetch hoards. Prefetched long jobs wait on
/// a busy worker while another worker idles (Celery's classic complaint), and a quiet or a stop
/// would find many fetched jobs not yet started. Sized by the rate jobs finish, a prefetched job
/// waits about two fetches' time (under a millisecond) for a runner, whatever the jobs' length, and
/// slow jobs prefetch nothing: 25 jobs of 100 ms finish 250 a second, 0.15 of a job during two 0.3 ms
/// fetches.
struct PrefetchAllowance {
    /// The most it allows: the worker's concurrency.
    let limit: Int
    /// The jobs the consumer may fetch beyond its free slots now.
    private(set) var jobs = 0

    /// A batch fetch's duration, smoothed.
    private var fetchSeconds = 0.0
    /// Jobs finished per second, smoothed.
    private var finishRate = 0.0
    private var windowStart: Double?
    private var windowFinished = 0

    /// A rate read over less time than this is mostly noise.
    private static let window = 0.01
    /// A fetch slower than this waited for jobs (a blocking fetch on an empty queue) or for a slow
    /// server: either way not a round trip to plan by.
    private static let longestFetch = 0.005

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Notes a fetch that brought jobs and how long it took. A fetch slower than ``longestFetch``
    /// is left out: it waited, and would size the allowance by the wait.
    mutating func noteFetch(seconds: Double) {
        guard seconds <= Self.longestFetch else { return }
        fetchSeconds = fetchSeconds == 0 ? seconds : (fetchSeconds + seconds) / 2
        update()
    }

    /// Notes the count of jobs finished so far (ever), read at monotonic time `now`.
    mutating func noteFinished(_ total: Int, at now: Double) {
        guard let start = windowStart else {
            windowStart = now
            windowFinished = total
            return
        }
        let elapsed = now - start
        guard elapsed >= Self.window else { return }
        let sample = Double(total - windowFinished) / elapsed
        // The first reading, or one after a long gap (an idle worker), is the rate as measured, not a
        // blend with a past that no longer applies.
        finishRate = finishRate == 0 || elapsed > Self.window * 10 ? sample : (finishRate + sample) / 2
        windowStart = now
        windowFinished = total
        update()
    }

    private mutating func update() {
        // The nudge keeps a product such as 29.999999 (binary fractions) from rounding down a job.
        let wanted = finishRate * fetchSeconds * 2 + 1e-9
        jobs = wanted >= Double(limit) ? limit : Int(wanted)
    }
}
