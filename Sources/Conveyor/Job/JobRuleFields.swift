/// The five fields the job rules read (``Job/check(_:)``): `class`, `args`, `jid`, `queue` and
/// `retry`, gathered in one pass over a job's members rather than a lookup each (every job pushed or
/// run passes here). A repeated key keeps its last value, as parsing does. `Value` is a decoded value,
/// or where an undecoded one lies (an outlined job's member).
struct JobRuleFields<Value> {
    var className, args, jid, queue, retry: Value?

    init(_ members: some Sequence<(key: String, value: Value)>) {
        for (key, value) in members {
            switch key {
            case JobField.className: className = value
            case JobField.args: args = value
            case JobField.jid: jid = value
            case JobField.queue: queue = value
            case JobField.retry: retry = value
            default: break
            }
        }
    }
}
