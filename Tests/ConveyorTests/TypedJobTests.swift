import Conveyor
import Foundation
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

/// A typed job with every shape a real one tends to have.
struct ShipOrder: JobParameters, Equatable {
    static let jobName = "ShipOrder"

    enum Carrier: String, Codable { case post, courier }
    enum Speed: Int, Codable { case standard = 1, express = 2 }

    struct Line: Codable, Equatable {
        let sku: String
        let quantity: UInt16
        let giftNote: String?
    }

    let orderID: UInt64
    let ledgerEntry: Int64
    let lines: [Line]
    let carrier: Carrier
    let speed: Speed
    let weight: Double
    let insurance: Double?
    let tags: [String]
}

@Suite("Typed jobs through the JSON value coder")
struct TypedJobCoderTests {
    static let order = ShipOrder(
        orderID: 18_446_744_073_709_551_615,
        ledgerEntry: -9_223_372_036_854_775_808,
        lines: [
            ShipOrder.Line(sku: "A-1", quantity: 2, giftNote: nil),
            ShipOrder.Line(sku: "B-2", quantity: 65_535, giftNote: "Happy birthday"),
        ],
        carrier: .courier,
        speed: .express,
        weight: 1.25,
        insurance: nil,
        tags: []
    )

    @Test("nested structs, arrays, optionals, raw-value enums and big integers round trip")
    func roundTrip() throws {
        let args = try Self.order.encodedArguments()
        #expect(args[0].jsonString == #"{"orderID":18446744073709551615,"ledgerEntry":-9223372036854775808,"lines":[{"sku":"A-1","quantity":2},{"sku":"B-2","quantity":65535,"giftNote":"Happy birthday"}],"carrier":"courier","speed":2,"weight":1.25,"tags":[]}"#)
        #expect(try ShipOrder.decode(from: args) == Self.order)
        // Through Redis's form: the job's JSON text parsed back.
        let job = Job(className: ShipOrder.jobName, args: args)
        let reread = try Job(json: job.serialized())
        #expect(try ShipOrder.decode(from: reread.args) == Self.order)
    }

    @Test("the payload matches what JSONEncoder wrote, so queued jobs and other readers see no change")
    func sameAsFoundation() throws {
        let foundation = try JSONValue.parse(Array(JSONEncoder().encode(Self.order)))
        #expect(try Self.order.encodedArguments() == [foundation])
        // And what JSONEncoder wrote decodes the same.
        #expect(try ShipOrder.decode(from: [foundation]) == Self.order)
    }

    @Test("a wrong type names the job class, the field path and what was found")
    func typeMismatch() {
        var payload = try! Self.order.encodedArguments()[0].objectValue!
        payload["lines"] = [["sku": "A-1", "quantity": "two"]]
        #expect {
            try ShipOrder.decode(from: [.object(payload)])
        } throws: { error in
            String(describing: error) == "The arguments of a ShipOrder job do not fit its handler: 'lines.0.quantity' should be UInt16."
        }
    }

    @Test("a missing field is named")
    func missingKey() {
        var payload = try! Self.order.encodedArguments()[0].objectValue!
        payload["carrier"] = nil
        #expect {
            try ShipOrder.decode(from: [.object(payload)])
        } throws: { error in
            String(describing: error) == "The arguments of a ShipOrder job do not fit its handler: the field 'carrier' is missing."
        }
    }

    @Test("a number out of the field's range is an error, not a crash")
    func outOfRange() {
        var payload = try! Self.order.encodedArguments()[0].objectValue!
        payload["lines"] = [["sku": "A-1", "quantity": 65_536]]
        #expect {
            try ShipOrder.decode(from: [.object(payload)])
        } throws: { error in
            String(describing: error) == "The arguments of a ShipOrder job do not fit its handler: 'lines.0.quantity' is not readable: The number 65536 does not fit in UInt16."
        }
    }

    @Test("a non-finite Double is refused at push with a clear error")
    func nonFinite() async {
        let bad = ShipOrder(orderID: 1, ledgerEntry: 1, lines: [], carrier: .post, speed: .standard, weight: .nan, insurance: nil, tags: [])
        await #expect {
            try await Producer(backend: InMemoryBackend()).push(bad)
        } throws: { error in
            String(describing: error).contains("Unable to encode Double nan at 'weight' in JSON")
        }
    }
}

/// A typed job with the Foundation types JSONEncoder writes in forms of its own.
struct SendInvoice: JobParameters, Equatable {
    static let jobName = "SendInvoice"
    let link: URL
    let attachment: Data
    let total: Decimal
    let issued: Date
}

@Suite("Typed jobs with Foundation types")
struct TypedJobFoundationTests {
    @Test("URL, Data, Decimal and Date are written as JSONEncoder wrote them, and read back")
    func sameFormsAsJSONEncoder() throws {
        let invoice = SendInvoice(
            link: URL(string: "https://example.com/i/7?x=1")!,
            attachment: Data([0, 1, 2, 250]),
            total: Decimal(string: "12.34")!,
            issued: Date(timeIntervalSinceReferenceDate: 12.5)
        )
        let args = try invoice.encodedArguments()
        #expect(args == [try JSONValue.parse(Array(JSONEncoder().encode(invoice)))])
        #expect(args[0].objectValue?["attachment"] == "AAEC+g==")
        #expect(try SendInvoice.decode(from: args) == invoice)
    }
}
