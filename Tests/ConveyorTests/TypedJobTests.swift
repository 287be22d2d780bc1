import Conveyor
import Testing

struct SendWelcomeEmail: JobParameters, Equatable {
    static let jobName = "SendWelcomeEmail"
    static let queue = "mailers"
    static let retry = RetryPolicy.limit(3)
    let userID: Int
    let address: String
}

@Suite("Typed jobs")
struct TypedJobTests {
    @Test("a typed job travels as one object argument and decodes back")
    func roundTrip() throws {
        let parameters = SendWelcomeEmail(userID: 42, address: "ada@example.com")
        let args = try parameters.encodedArguments()
        #expect(args.count == 1)
        #expect(args[0].objectValue?["userID"] == 42)
        #expect(try SendWelcomeEmail.decode(from: args) == parameters)
    }

    @Test("arguments that do not fit name the job class and the field")
    func badArguments() {
        #expect {
            try SendWelcomeEmail.decode(from: [["userID": "forty-two", "address": "x"]])
        } throws: { error in
            let text = String(describing: error)
            return text.contains("SendWelcomeEmail") && text.contains("userID")
        }
        #expect {
            try SendWelcomeEmail.decode(from: [["userID": 1]])
        } throws: { error in
            String(describing: error).contains("address")
        }
        #expect(throws: JobArgumentsError.self) {
            try SendWelcomeEmail.decode(from: [1, 2])
        }
    }

    @Test("the producer uses the type's name, queue and retry policy")
    func producerUsesTypeSettings() async throws {
        let backend = InMemoryBackend()
        let jid = try await Producer(backend: backend).push(SendWelcomeEmail(userID: 1, address: "a@b.c"))
        let queued = backend.jobs(inQueue: "mailers")
        #expect(queued.count == 1)
        #expect(queued.first?.jid == jid)
        #expect(queued.first?.className == "SendWelcomeEmail")
        #expect(queued.first?.retry == .limit(3))
        #expect(queued.first?.enqueuedAt != nil)
    }
}
