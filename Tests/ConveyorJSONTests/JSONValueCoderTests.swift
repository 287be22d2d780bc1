import ConveyorJSON
import Testing

/// The Codable encoder and decoder, through the public API only.
@Suite("JSON value coder")
struct JSONValueCoderTests {
    enum Priority: String, Codable, Equatable {
        case low, high
    }

    enum Level: Int, Codable, Equatable {
        case one = 1, two = 2
    }

    struct Address: Codable, Equatable {
        var city: String
        var lines: [String]
    }

    struct Order: Codable, Equatable {
        var id: UInt64
        var customer: String
        var address: Address
        var quantities: [Int]
        var matrix: [[Int8]]
        var note: String?
        var discount: Double?
        var priority: Priority
        var level: Level
        var ratio: Float
        var flags: [String: Bool]
        var small: Int16
        var huge: Int64
    }

    static let order = Order(
        id: UInt64.max,
        customer: "Ada",
        address: Address(city: "Zürich", lines: ["Bahnhofstrasse 1", ""]),
        quantities: [1, -2, 3],
        matrix: [[Int8.min, Int8.max], []],
        note: nil,
        discount: 0.25,
        priority: .high,
        level: .two,
        ratio: 0.1,
        flags: ["gift": true],
        small: -300,
        huge: Int64.min
    )

    // MARK: - Round trips

    @Test func nestedValuesRoundTripAndKeepKeyOrder() throws {
        let value = try JSONValueEncoder().encode(Self.order)
        #expect(value.objectValue?.keys == ["id", "customer", "address", "quantities", "matrix", "discount", "priority", "level", "ratio", "flags", "small", "huge"])
        #expect(value.jsonString.contains(#""id":18446744073709551615"#))
        #expect(value.jsonString.contains(#""huge":-9223372036854775808"#))
        #expect(value.jsonString.contains(#""ratio":0.1,"#), "a Float is written in its own shortest form")
        #expect(value.jsonString.contains(#""priority":"high","level":2"#))
        #expect(try JSONValueDecoder().decode(Order.self, from: value) == Self.order)
        // And through text, as it travels in Redis.
        #expect(try JSONValueDecoder().decode(Order.self, from: JSONValue.parse(value.serialized())) == Self.order)
    }

    @Test func nilOptionalsAreLeftOutAndNullDecodesAsNil() throws {
        struct Maybe: Codable, Equatable { var a: Int?; var b: String? }
        #expect(try JSONValueEncoder().encode(Maybe(a: nil, b: "x")).jsonString == #"{"b":"x"}"#)
        #expect(try JSONValueDecoder().decode(Maybe.self, from: ["a": nil, "b": "x"]) == Maybe(a: nil, b: "x"))
        #expect(try JSONValueDecoder().decode([Int?].self, from: [1, nil, 3]) == [1, nil, 3])
        #expect(try JSONValueEncoder().encode([1, nil, 3] as [Int?]).jsonString == "[1,null,3]")
    }

    @Test func integersOfEveryWidthKeepTheirExactText() throws {
        #expect(try JSONValueEncoder().encode(Int64.max).jsonString == "9223372036854775807")
        #expect(try JSONValueEncoder().encode(UInt8(255)).jsonString == "255")
        #expect(try JSONValueDecoder().decode(UInt64.self, from: .number(JSONNumber(text: "18446744073709551615")!)) == .max)
        #expect(try JSONValueDecoder().decode(Int32.self, from: -2_147_483_648) == .min)
        // Exact floats are integers too, as JSONDecoder reads them.
        #expect(try JSONValueDecoder().decode(Int.self, from: 3.0) == 3)
        #expect(try JSONValueDecoder().decode(Int.self, from: .number(JSONNumber(text: "1e3")!)) == 1000)
    }

    @Test func floatingPointKeepsAFraction() throws {
        #expect(try JSONValueEncoder().encode(3.0).jsonString == "3.0")
        #expect(try JSONValueEncoder().encode(Float(1e10)).jsonString == "1e+10")
        #expect(try JSONValueDecoder().decode(Double.self, from: 7) == 7.0)
        #expect(try JSONValueDecoder().decode(Float.self, from: .number(JSONNumber(text: "0.1")!)) == Float(0.1))
    }

    @Test func superEncodersAndNestedContainersRoundTrip() throws {
        struct Custom: Codable, Equatable {
            var name: String
            var tags: [String]
            var base: Int

            enum CodingKeys: String, CodingKey { case meta, list }
            enum MetaKeys: String, CodingKey { case name }

            init(name: String, tags: [String], base: Int) {
                self.name = name
                self.tags = tags
                self.base = base
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                var meta = container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
                try meta.encode(name, forKey: .name)
                var list = container.nestedUnkeyedContainer(forKey: .list)
                for tag in tags { try list.encode(tag) }
                var nested = list.nestedUnkeyedContainer()
                try nested.encode(true)
                try base.encode(to: container.superEncoder())
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta).decode(String.self, forKey: .name)
                var list = try container.nestedUnkeyedContainer(forKey: .list)
                var tags: [String] = []
                while let tag = try? list.decode(String.self) { tags.append(tag) }
                var nested = try list.nestedUnkeyedContainer()
                #expect(try nested.decode(Bool.self))
                self.tags = tags
                base = try Int(from: container.superDecoder())
            }
        }
        let value = try JSONValueEncoder().encode(Custom(name: "n", tags: ["a", "b"], base: 9))
        #expect(value.jsonString == #"{"meta":{"name":"n"},"list":["a","b",[true]],"super":9}"#)
        #expect(try JSONValueDecoder().decode(Custom.self, from: value) == Custom(name: "n", tags: ["a", "b"], base: 9))
    }

    @Test func valueOverridesGiveTypesTheirOwnForm() throws {
        struct Cents: Codable, Equatable { var amount: Int }
        var encoder = JSONValueEncoder()
        encoder.valueOverride = { value, _ in (value as? Cents).map { .string("\($0.amount)c") } }
        #expect(try encoder.encode(["price": Cents(amount: 5)]).jsonString == #"{"price":"5c"}"#)
        var decoder = JSONValueDecoder()
        decoder.valueOverride = { type, value, _ in
            guard type == Cents.self, let text = value.stringValue else { return nil }
            return Cents(amount: Int(text.dropLast()) ?? 0)
        }
        #expect(try decoder.decode([String: Cents].self, from: ["price": "5c"]) == ["price": Cents(amount: 5)])
    }

    // MARK: - Errors

    @Test func aNonFiniteNumberIsRefusedWithItsPath() {
        struct Reading: Codable { var values: [Double] }
        #expect {
            try JSONValueEncoder().encode(Reading(values: [1, .infinity]))
        } throws: { error in
            guard case EncodingError.invalidValue(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["values", "1"]
                && context.debugDescription.contains("Double inf at 'values.1'")
                && context.debugDescription.contains("isFinite")
        }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(Float.nan) }
    }

    @Test func typeMismatchNamesThePathAndWhatWasFound() {
        #expect {
            try JSONValueDecoder().decode(Order.self, from: ["id": "x"])
        } throws: { error in
            guard case DecodingError.typeMismatch(let type, let context) = error else { return false }
            return type == UInt64.self && context.codingPath.map(\.stringValue) == ["id"]
                && context.debugDescription == "Expected to decode UInt64 but found a string instead."
        }
        #expect {
            try JSONValueDecoder().decode(Address.self, from: ["city": "c", "lines": ["a", 2]])
        } throws: { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["lines", "1"]
                && context.debugDescription == "Expected to decode String but found a number instead."
        }
        #expect {
            try JSONValueDecoder().decode(Priority.self, from: "medium")
        } throws: { error in
            guard case DecodingError.dataCorrupted = error else { return false }
            return true
        }
    }

    @Test func missingKeyAndNullAreReported() {
        #expect {
            try JSONValueDecoder().decode(Address.self, from: ["city": "c"])
        } throws: { error in
            guard case DecodingError.keyNotFound(let key, let context) = error else { return false }
            return key.stringValue == "lines" && context.debugDescription == "No value associated with key lines."
        }
        #expect {
            try JSONValueDecoder().decode(Address.self, from: ["city": nil, "lines": []])
        } throws: { error in
            guard case DecodingError.valueNotFound(let type, let context) = error else { return false }
            return type == String.self && context.codingPath.map(\.stringValue) == ["city"]
        }
        #expect {
            try JSONValueDecoder().decode([Int].self, from: "not an array")
        } throws: { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return false }
            return context.debugDescription.contains("found a string instead")
        }
    }

    @Test(arguments: [
        ("300", "UInt8", "The number 300 does not fit in UInt8."),
        ("-1", "UInt", "The number -1 does not fit in UInt."),
        ("99999999999999999999", "Int", "The number 99999999999999999999 does not fit in Int."),
        ("18446744073709551616", "UInt64", "The number 18446744073709551616 does not fit in UInt64."),
        ("1.5", "Int", "The number 1.5 is not a whole number, so it cannot be Int."),
        ("1e30", "Int64", "The number 1e30 does not fit in Int64."),
        ("1e400", "Double", "The number 1e400 does not fit in Double."),
        ("1e39", "Float", "The number 1e39 does not fit in Float."),
    ])
    func outOfRangeNumbersAreErrorsNotTraps(text: String, type: String, message: String) throws {
        let value = JSONValue.array([.number(try #require(JSONNumber(text: text)))])
        let decoder = JSONValueDecoder()
        #expect {
            switch type {
            case "UInt8": _ = try decoder.decode([UInt8].self, from: value)
            case "UInt": _ = try decoder.decode([UInt].self, from: value)
            case "Int": _ = try decoder.decode([Int].self, from: value)
            case "UInt64": _ = try decoder.decode([UInt64].self, from: value)
            case "Int64": _ = try decoder.decode([Int64].self, from: value)
            case "Double": _ = try decoder.decode([Double].self, from: value)
            default: _ = try decoder.decode([Float].self, from: value)
            }
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return context.debugDescription == message && context.codingPath.map(\.stringValue) == ["0"]
        }
    }

    @Test func aValueThatEncodesNothingIsAnError() throws {
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(Nothing()) }
        #expect(try JSONValueEncoder().encode([Nothing()]).jsonString == "[{}]")
    }
}
