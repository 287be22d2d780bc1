import Conveyor

/// The work shared by `conveyor quiet` and `conveyor stop`: push a signal onto a live process's
/// signals list, as Sidekiq's API does, and say so.
enum SignalDelivery {
    static func discussion(command: String, signal: WorkerSignal) -> String {
        """
        Examples:
          conveyor \(command) web-1:4242:0a1b2c3d4e5f
          conveyor processes --json | jq -r '.[].identity' | xargs -n1 conveyor \(command)
          conveyor \(command) web-1:4242:0a1b2c3d4e5f --json --namespace myapp --redis redis://10.0.0.5:6379/0

        Pushes \(signal.rawValue) onto the process's signals list, as Sidekiq's API does; the process obeys
        at its next heartbeat, within 5 seconds. An identity with no live process prints a message and
        exits 1.
        """
    }

    static func send(_ signal: WorkerSignal, to identity: String, json: Bool, redis: RedisOptions) async {
        await redis.withAdmin { admin in try await admin.send(signal, to: identity) }
        if json {
            print(JSONValue.object(["identity": .string(identity), "signal": .string(signal.rawValue)]).jsonString)
        } else {
            print("Sent \(signal.rawValue) to \(identity).")
        }
    }
}
