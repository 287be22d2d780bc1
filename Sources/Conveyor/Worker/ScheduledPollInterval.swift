/// How long a worker waits between polls for due scheduled and retry jobs, as Sidekiq's
/// `random_poll_interval`: each of `count` live processes polls on average every
/// `count × average` seconds, so the cluster polls about every `average` seconds whether it runs one
/// worker or a hundred, and Redis load does not grow with the number of workers.
public enum ScheduledPollInterval {
    /// A random interval in seconds. Below 10 processes it stays within ±50 % of the scaled average
    /// (so two workers cannot both sleep long by chance); from 10 up it is uniform in
    /// `0..<count × average`, where the number of processes already evens the spread out.
    public static func random(processCount: Int, average: Double, unitRandom: Double = Double.random(in: 0..<1)) -> Double {
        // Capped: the process count comes from Redis, and an interval beyond the worker's maximum
        // would overflow `Duration` where the poller sleeps.
        let scaled = min(Double(max(1, processCount)) * WorkerConfiguration.clamped(average), WorkerConfiguration.maximumIntervalSeconds / 2)
        if processCount < 10 {
            return scaled * unitRandom + scaled / 2
        }
        return scaled * unitRandom
    }
}
