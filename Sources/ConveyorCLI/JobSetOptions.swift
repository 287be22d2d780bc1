import ArgumentParser

/// The options `conveyor retry`, `dead` and `scheduled` share: which page to list, JSON output, Redis.
struct JobSetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("How many entries list skips, lowest scores first: with --limit, pages through a large set.", valueName: "n"))
    var offset = 0

    @Option(name: .long, help: ArgumentHelp("The most entries list shows.", valueName: "n"))
    var limit = 100

    @Flag(name: .long, help: "Print JSON for scripts instead of a table or a sentence.")
    var json = false

    @OptionGroup var redis: RedisOptions

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
        guard offset >= 0 else { throw ValidationError("--offset must be 0 or more; 0 lists from the first entry.") }
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
