import ArgumentParser

/// The options `conveyor retry`, `dead` and `scheduled` share: how much to list, JSON output, Redis.
struct JobSetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The most entries list shows.", valueName: "n"))
    var limit = 100

    @Flag(name: .long, help: "Print JSON for scripts instead of a table or a sentence.")
    var json = false

    @OptionGroup var redis: RedisOptions

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
    }

    /// Checks that an action is given a jid exactly when it needs one.
    static func validate(jid: String?, needed: Bool, command: String) throws {
        if needed {
            guard let jid, !jid.isEmpty else {
                throw ValidationError("`\(command)` needs the job's jid, e.g. `conveyor \(command) b4a577edbccf1d805744efa9`.")
            }
        } else if jid != nil {
            throw ValidationError("`\(command)` takes no jid.")
        }
    }
}
