extension Job {
    /// The job for a typed value: its class name, its value as the single argument, its type's retry
    /// policy, and `queue` or else its type's queue. The one place a typed job gets its defaults.
    public init<Parameters: JobParameters>(_ parameters: Parameters, queue: String? = nil) throws {
        self.init(
            className: Parameters.jobName,
            args: try parameters.encodedArguments(),
            queue: queue ?? Parameters.queue,
            retry: Parameters.retry
        )
        if let uniqueFor = Parameters.uniqueFor { makeUnique(for: uniqueFor, until: Parameters.uniqueUntil) }
    }
}
