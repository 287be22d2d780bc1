extension Job {
    /// A job written by hand (a push-file line, a payload from a script): the fields given are kept as
    /// written, in their order, and the ones missing get the defaults of ``init(className:args:queue:retry:jid:createdAt:)``
    /// (`args` `[]`, `queue` `defaultQueue`, a fresh `jid`, `retry: true`, `created_at` now), so every
    /// job Conveyor writes gets its defaults from one place. `class` must be given.
    public init(completing written: JSONObject, defaultQueue: String = Job.defaultQueue) throws(JobDecodingError) {
        var fields = written
        for (key, value) in Job(className: "", queue: defaultQueue).fields where key != "class" && fields[key] == nil {
            fields[key] = value
        }
        try self.init(fields: fields)
    }
}
