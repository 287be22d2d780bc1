extension Job {
    /// The deepest nesting `args` may have, counting the args array itself: the job object around
    /// them is one more level, and a worker parses payloads only up to ``JSONValue/maximumDepth``.
    public static let maximumArgumentsDepth = JSONValue.maximumDepth - 1

    /// Checks everything a worker would refuse, so that a job any entry point accepts is one a worker
    /// can read: the fields `init(fields:)` checks, plus the nesting of `args`. The ``Producer`` calls
    /// this for every job it pushes.
    public func validate() throws(JobDecodingError) {
        try Self.check(fields)
        let depth = JSONValue.array(args).nestingDepth
        guard depth <= Self.maximumArgumentsDepth else {
            throw .missingField("args", expected: "nested at most \(Self.maximumArgumentsDepth) levels deep (the job object around them is one more level and a worker reads \(JSONValue.maximumDepth)), not \(depth)")
        }
    }

    /// The field rules every job must meet, whoever built it.
    static func check(_ fields: JSONObject) throws(JobDecodingError) {
        let rule = JobRuleFields(fields)
        try check(className: rule.className, args: rule.args, jid: rule.jid, queue: rule.queue, retry: rule.retry)
    }

    /// The field rules, given the five fields they read (nil when absent).
    static func check(className classValue: JSONValue?, args argsValue: JSONValue?, jid jidValue: JSONValue?, queue queueValue: JSONValue?, retry retryValue: JSONValue?) throws(JobDecodingError) {
        guard case .string(let className)? = classValue, !className.isEmpty else {
            throw .missingField("class", expected: "a non-empty string naming the job class")
        }
        // A class starting with a printable ASCII character is not blank: the common case, decided
        // without Unicode property lookups (every job a worker runs passes here).
        let startsPrintable = className.utf8.first.map { $0 > 0x20 && $0 < 0x7F } ?? false
        guard startsPrintable || !className.unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
            throw .missingField("class", expected: "a job class name, not only whitespace (it is \(LogText.quoted(className)))")
        }
        guard case .array? = argsValue else {
            throw .missingField("args", expected: "an array of arguments")
        }
        guard case .string(let jid)? = jidValue, !jid.isEmpty else {
            throw .missingField("jid", expected: "a non-empty string")
        }
        if let queue = queueValue {
            guard case .string(let name) = queue, !name.isEmpty else {
                throw .missingField("queue", expected: "a non-empty string")
            }
            do {
                try QueueName.check(name)
            } catch {
                throw .missingField("queue", expected: "a queue name a worker can serve, but \(error.rule) (it is \(LogText.quoted(name)))")
            }
        }
        try RetryPolicy.check(retryValue)
    }
}
