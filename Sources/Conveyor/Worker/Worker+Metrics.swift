extension Worker {
    /// Sets the gauges at once, then every ``MetricsReporting/gaugeInterval``, until cancelled. Runs on
    /// the housekeeping thread: a slow backend delays only the next reading, never a job or a beat.
    func keepSamplingGauges(_ metrics: WorkerMetrics) async {
        // Sizes and latency need the admin questions; a backend without them still reports busy.
        let administration = backend as? any JobAdministration
        while !Task.isCancelled {
            await sampleGauges(metrics, administration: administration)
            try? await LoopExecutor.sleep(for: .seconds(metrics.gaugeSeconds))
        }
    }

    /// One reading: this worker's running jobs, then each queue's size and latency and the sizes of the
    /// schedule, retry and dead sets. A failed reading leaves the gauges at their last values.
    func sampleGauges(_ metrics: WorkerMetrics, administration: (any JobAdministration)?) async {
        metrics.busy.record(inFlight.started.count)
        guard let administration else { return }
        do {
            let queues = try await administration.queues()
            // A page of no entries is the cheapest way the protocol offers to a set's size.
            let scheduled = try await administration.entries(in: .schedule, offset: 0, limit: 0).total
            let retries = try await administration.entries(in: .retry, offset: 0, limit: 0).total
            let dead = try await administration.entries(in: .dead, offset: 0, limit: 0).total
            metrics.record(queues)
            metrics.scheduledSize.record(scheduled)
            metrics.retrySize.record(retries)
            metrics.deadSize.record(dead)
            faults.gauges.succeeded()
        } catch {
            faults.gauges.failed(error, then: "the gauges keep their last values until a reading succeeds")
        }
    }
}
