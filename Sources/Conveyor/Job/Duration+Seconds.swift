extension Duration {
    /// The duration in seconds, as the `Double` epoch arithmetic of job timestamps uses.
    package var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// A short human form such as `5 s` or `0.25 s`, for error messages.
    package var secondsDescription: String {
        let seconds = inSeconds
        if seconds == seconds.rounded() && abs(seconds) < 1e15 { return "\(Int(seconds)) s" }
        return "\(seconds) s"
    }
}
