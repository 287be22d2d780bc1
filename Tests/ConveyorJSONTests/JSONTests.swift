import ConveyorJSON
import Testing

/// Tests for the JSON value model, parser and writer, through the public API only.
@Suite("JSON")
struct JSONTests {
    static let sidekiqPayload =
        #"{"retry":true,"queue":"default","class":"HardJob","args":[1,"x"],"jid":"b4a577edbccf1d805744efa9","created_at":1700000000.123456,"enqueued_at":1700000000.124}"#

    // MARK: - Round trips

    @Test func sidekiqPayloadRoundTripsByteIdentical() throws {
        let value = try JSONValue.parse(Self.sidekiqPayload)
        #expect(value.jsonString == Self.sidekiqPayload)
        #expect(value.serialized() == Array(Self.sidekiqPayload.utf8))

        let job = try #require(value.objectValue)
        #expect(job.keys == ["retry", "queue", "class", "args", "jid", "created_at", "enqueued_at"])
        #expect(job["retry"]?.boolValue == true)
        #expect(job["class"]?.stringValue == "HardJob")
        #expect(job["args"] == [1, "x"])
        #expect(job["created_at"]?.doubleValue == 1700000000.123456)
        #expect(job["created_at"]?.intValue == nil)
    }

    @Test func rewritingOneFieldLeavesTheOthersUntouched() throws {
        var job = try #require(try JSONValue.parse(Self.sidekiqPayload).objectValue)
        job["queue"] = "critical"
        job["retry_count"] = 0
        let expected =
            #"{"retry":true,"queue":"critical","class":"HardJob","args":[1,"x"],"jid":"b4a577edbccf1d805744efa9","created_at":1700000000.123456,"enqueued_at":1700000000.124,"retry_count":0}"#
        #expect(JSONValue.object(job).jsonString == expected)
    }

    @Test func membersInsertedBeforeTheClosingBraceInOneBuffer() throws {
        let value = try JSONValue.parse(#"{"class":"A","args":[{"x":"}"}]}"#)
        let stamped = value.serialized(insertingBeforeClosingBrace: Array(#","enqueued_at":1.5"#.utf8))
        #expect(String(decoding: stamped, as: UTF8.self) == #"{"class":"A","args":[{"x":"}"}],"enqueued_at":1.5}"#)
        // Longer than the writer's stack buffer, so the text moves to the heap on the way.
        let long = JSONValue.object(["blob": .string(String(repeating: "z", count: 5_000))])
        let longStamped = long.serialized(insertingBeforeClosingBrace: Array(#","n":1"#.utf8))
        #expect(try JSONValue.parse(longStamped) == JSONValue.object(["blob": .string(String(repeating: "z", count: 5_000)), "n": 1]))
    }

    @Test func parsedThenSerializedReparsesEqual() throws {
        let text = """
            {
              "a" : [ 1 , 2.5 , -3e-7 , true , false , null , "s" ] ,
              "b" : { "nested" : { "deep" : [ [ ] , { } ] } } ,
              "c" : "caf\\u00e9 \\ud83d\\ude00 \\/ \\n"
            }
            """
        let value = try JSONValue.parse(text)
        let compact = value.serialized()
        let reparsed = try JSONValue.parse(compact)
        #expect(reparsed == value)
        #expect(reparsed.serialized() == compact)
        #expect(value.jsonString == #"{"a":[1,2.5,-3e-7,true,false,null,"s"],"b":{"nested":{"deep":[[],{}]}},"c":"café 😀 / \n"}"#)
    }

    @Test func parsesFromAnyByteCollection() throws {
        let bytes = Array(#"  [1,"two",{"3":null}]  "#.utf8)
        let expected: JSONValue = [1, "two", ["3": nil]]
        #expect(try JSONValue.parse(bytes) == expected)
        #expect(try JSONValue.parse(bytes[...]) == expected)
        #expect(try JSONValue.parse(String(decoding: bytes, as: UTF8.self).utf8) == expected)
        // Not contiguous: exercises the copying path.
        #expect(try JSONValue.parse(bytes.lazy.map { $0 }) == expected)
    }

    @Test func scalarsAtTopLevel() throws {
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse(" true ") == .bool(true))
        #expect(try JSONValue.parse("false") == .bool(false))
        #expect(try JSONValue.parse("\"\"") == .string(""))
        #expect(try JSONValue.parse("-0") == .number(JSONNumber(text: "-0")!))
        #expect(try JSONValue.parse("[]") == .array([]))
        #expect(try JSONValue.parse("{}") == .object(JSONObject()))
    }

    // MARK: - Numbers

    @Test(arguments: [
        "1700000000.123456", "1700000000123", "12345678901234567890123", "-0.0", "1e10", "3.0",
        "0", "-0", "1E+2", "1e-05", "0.000001", "-12.5e+300", "123456789012345678901234567890.5",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808",
    ])
    func numberTextIsPreserved(text: String) throws {
        let value = try JSONValue.parse("[\(text)]")
        #expect(value.jsonString == "[\(text)]")
        #expect(value.arrayValue?.first == .number(JSONNumber(text: text)!))
        #expect(JSONNumber(text: text)?.text == text)
        #expect(JSONNumber(text: text)?.description == text)
    }

    @Test func intInitializer() {
        #expect(JSONNumber(0).text == "0")
        #expect(JSONNumber(-42).text == "-42")
        #expect(JSONNumber(Int.max).text == "9223372036854775807")
        #expect(JSONNumber(Int.min).intValue == Int.min)
        #expect(JSONNumber(1700000000123).isInteger)
        let literal: JSONValue = 7
        #expect(literal.jsonString == "7")
        #expect(literal.intValue == 7)
    }

    @Test func doubleInitializer() {
        #expect(JSONNumber(3.0).text == "3.0")
        #expect(!JSONNumber(3.0).isInteger)
        #expect(JSONNumber(3.0).intValue == nil)
        #expect(JSONNumber(0.1).text == "0.1")
        #expect(JSONNumber(-0.0).text == "-0.0")
        #expect(JSONNumber(1700000000.123456).text == "1700000000.123456")
        #expect(JSONNumber(1e16).text == "1e+16")
        #expect(JSONNumber(.leastNonzeroMagnitude).text == "5e-324")
        for value in [3.0, 0.1, -0.0, 1e16, 1e-5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.pi, 1700000000.124] {
            let number = JSONNumber(value)
            #expect(JSONNumber(text: number.text) != nil, "\(number.text) must be valid JSON")
            #expect(number.doubleValue == value)
            #expect(number.doubleValue.sign == value.sign)
        }
        let literal: JSONValue = 2.5
        #expect(literal.jsonString == "2.5")
    }

    @Test func numberConversions() {
        let big = JSONNumber(text: "12345678901234567890123")!
        #expect(big.isInteger)
        #expect(big.intValue == nil)
        #expect(big.doubleValue == 1.2345678901234568e22)
        #expect(JSONNumber(text: "9223372036854775807")?.intValue == Int.max)
        #expect(JSONNumber(text: "9223372036854775808")?.intValue == nil)
        #expect(JSONNumber(text: "-0")?.intValue == 0)
        #expect(JSONNumber(text: "1e3")?.isInteger == false)
        #expect(JSONNumber(text: "1e3")?.intValue == nil)
        #expect(JSONNumber(text: "1e3")?.doubleValue == 1000)
        #expect(JSONNumber(text: "1e400")?.doubleValue == .infinity)
        #expect(JSONNumber(text: "-1e400")?.doubleValue == -.infinity)
        #expect(JSONValue.number(JSONNumber(5)).doubleValue == 5)
    }

    @Test(arguments: [
        "", "-", "+1", ".5", "1.", "01", "-01", "00", "1e", "1e+", "1.e5", "0x10", " 1", "1 ", "inf", "nan",
        "NaN", "Infinity", "1,0", "١", "--1", "1e1.5", "1ee5",
    ])
    func invalidNumberTextIsRejected(text: String) {
        #expect(JSONNumber(text: text) == nil)
    }

    // MARK: - Objects

    @Test func keyOrderIsPreserved() throws {
        let text = #"{"z":1,"a":2,"m":{"y":true,"b":false},"c":[]}"#
        let value = try JSONValue.parse(text)
        #expect(value.objectValue?.keys == ["z", "a", "m", "c"])
        #expect(value.objectValue?["m"]?.objectValue?.keys == ["y", "b"])
        #expect(value.jsonString == text)

        let literal: JSONValue = ["z": 1, "a": 2, "m": 3]
        #expect(literal.jsonString == #"{"z":1,"a":2,"m":3}"#)
        #expect(literal.objectValue?.members.map(\.key) == ["z", "a", "m"])
        #expect(Array(literal.objectValue!).map(\.key) == ["z", "a", "m"])
    }

    @Test func subscriptSetReplaceRemove() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3]
        object["d"] = 4
        #expect(object.keys == ["a", "b", "c", "d"])
        object["b"] = "two"
        #expect(object.keys == ["a", "b", "c", "d"])
        #expect(object["b"] == "two")
        object["a"] = nil
        #expect(object.keys == ["b", "c", "d"])
        #expect(object["a"] == nil)
        object["c"] = .null
        #expect(object["c"] == .null)
        #expect(object.count == 3)
        #expect(object.removeValue(forKey: "d") == 4)
        #expect(object.removeValue(forKey: "missing") == nil)
        #expect(object.keys == ["b", "c"])
        #expect(JSONValue.object(object).jsonString == #"{"b":"two","c":null}"#)
        object["b"] = nil
        object["c"] = nil
        #expect(object.isEmpty)
        #expect(object == JSONObject())
    }

    @Test func duplicateKeysLastValueWinsAtFirstPosition() throws {
        let value = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value.objectValue?["a"] == 3)
        #expect(value.jsonString == #"{"a":3,"b":2}"#)
        let built = JSONObject([("x", 1), ("y", 2), ("x", 9)])
        #expect(built.members.map(\.key) == ["x", "y"])
        #expect(built["x"] == 9)
    }

    @Test func objectEqualityIgnoresOrder() throws {
        let first = try JSONValue.parse(#"{"a":1,"b":{"x":[1,2],"y":null}}"#)
        let second = try JSONValue.parse(#"{"b":{"y":null,"x":[1,2]},"a":1}"#)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(Set([first, second]).count == 1)
        // Still written in each one's own order.
        #expect(first.jsonString != second.jsonString)

        #expect(try JSONValue.parse(#"{"a":1}"#) != JSONValue.parse(#"{"a":2}"#))
        #expect(try JSONValue.parse(#"{"a":1}"#) != JSONValue.parse(#"{"a":1,"b":1}"#))
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) != JSONValue.parse(#"{"a":1,"c":2}"#))
        // Array order still matters, and number text is compared exactly.
        #expect(try JSONValue.parse("[1,2]") != JSONValue.parse("[2,1]"))
        #expect(try JSONValue.parse("1.0") != JSONValue.parse("1"))
    }

    @Test func largeObjectsKeepOrderAndLookups() {
        var object = JSONObject()
        for index in 0..<100 {
            object["key\(index)"] = .number(JSONNumber(index))
        }
        #expect(object.count == 100)
        #expect(object["key57"] == 57)
        object["key10"] = "replaced"
        #expect(object.keys[10] == "key10")
        #expect(object.removeValue(forKey: "key0") == 0)
        #expect(object.keys.first == "key1")
        #expect(object["key10"] == "replaced")
        #expect(object["key99"] == 99)
        object["key0"] = 0
        #expect(object.keys.last == "key0")

        let reversed = JSONObject(object.members.reversed().map { ($0.key, $0.value) })
        #expect(reversed == object)
        #expect(reversed.hashValue == object.hashValue)

        for index in 0..<95 {
            object["key\(index)"] = nil
        }
        #expect(object.keys == ["key95", "key96", "key97", "key98", "key99"])
        #expect(object["key97"] == 97)
        object["key96"] = nil
        #expect(object["key98"] == 98)
    }

    @Test func largeParsedObjectWithDuplicates() throws {
        var text = "{"
        for index in 0..<50 {
            text += "\"k\(index)\":\(index),"
        }
        text += #""k3":"last","k50":50}"#
        let object = try #require(try JSONValue.parse(text).objectValue)
        #expect(object.count == 51)
        #expect(object.keys[3] == "k3")
        #expect(object["k3"] == "last")
        #expect(object["k50"] == 50)
    }

    // MARK: - Literals and accessors

    @Test func literalsAndAccessors() {
        let value: JSONValue = ["s": "text", "i": 42, "d": 1.5, "b": true, "n": nil, "a": [1, "x"], "o": ["k": "v"]]
        let object = value.objectValue!
        #expect(object["s"]?.stringValue == "text")
        #expect(object["i"]?.intValue == 42)
        #expect(object["i"]?.doubleValue == 42)
        #expect(object["d"]?.doubleValue == 1.5)
        #expect(object["d"]?.intValue == nil)
        #expect(object["b"]?.boolValue == true)
        #expect(object["n"] == .null)
        #expect(object["a"]?.arrayValue == [1, "x"])
        #expect(object["o"]?.objectValue?["k"] == "v")
        // No conversions between cases.
        #expect(object["s"]?.intValue == nil)
        #expect(object["i"]?.stringValue == nil)
        #expect(object["b"]?.intValue == nil)
        #expect(object["n"]?.boolValue == nil)
        #expect(object["a"]?.objectValue == nil)
        #expect(object["o"]?.arrayValue == nil)
        #expect(value.jsonString == #"{"s":"text","i":42,"d":1.5,"b":true,"n":null,"a":[1,"x"],"o":{"k":"v"}}"#)
    }

    // MARK: - Strings

    @Test func unicodeEscapesAndSurrogatePairs() throws {
        let value = try JSONValue.parse(#""\u00e9\u4E2D\ud83d\ude00\u0041\u0000\/\b\f\n\r\t\"\\""#)
        #expect(value.stringValue == "é中😀A\u{0}/\u{8}\u{C}\n\r\t\"\\")
        #expect(value.jsonString == #""é中😀A\u0000/\b\f\n\r\t\"\\""#)
        #expect(try JSONValue.parse(#""\uD834\uDD1E""#).stringValue == "𝄞")
        #expect(try JSONValue.parse(#""\uDBFF\uDFFF""#).stringValue == "\u{10FFFF}")
    }

    @Test func rawUTF8IsKeptAndNotEscaped() throws {
        let text = "\"naïve 中文 😀 \u{2028} / \u{7F}\""
        let value = try JSONValue.parse(text)
        #expect(value.stringValue == "naïve 中文 😀 \u{2028} / \u{7F}")
        #expect(value.jsonString == text)
    }

    @Test func writerEscapesOnlyWhatJSONRequires() {
        let value = JSONValue.string("a\"b\\c\n\r\t\u{8}\u{C}\u{0}\u{1}\u{1F}/é")
        #expect(value.jsonString == #""a\"b\\c\n\r\t\b\f\u0000\u0001\u001f/é""#)
        let key: JSONValue = ["line\nbreak": "x"]
        #expect(key.jsonString == #"{"line\nbreak":"x"}"#)
    }

    @Test func specialCharactersAtEveryPositionAroundWordBoundaries() throws {
        let specials: [(raw: String, escaped: String)] = [
            ("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{1}", #"\u0001"#), ("\u{1F}", #"\u001f"#),
            ("é", "é"), ("😀", "😀"), ("/", "/"), ("\u{7F}", "\u{7F}"),
        ]
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 24, 40] {
            for position in 0...length {
                for special in specials {
                    let prefix = String(repeating: "a", count: position)
                    let suffix = String(repeating: "b", count: length - position)
                    let value = JSONValue.string(prefix + special.raw + suffix)
                    let expected = "\"" + prefix + special.escaped + suffix + "\""
                    #expect(value.jsonString == expected)
                    #expect(try JSONValue.parse(expected) == value)
                }
            }
            let plain = JSONValue.string(String(repeating: "x", count: length))
            #expect(try JSONValue.parse(plain.serialized()) == plain)
        }
    }

    @Test func rawControlCharacterIsFoundAtAnyOffset() {
        for position in 0..<40 {
            let text = "[\"" + String(repeating: "a", count: position) + "\u{1}" + String(repeating: "b", count: 20) + "\"]"
            #expect(throws: JSONParseError(offset: position + 2, reason: "unescaped control character 0x01 in a string")) {
                try JSONValue.parse(text)
            }
            var bytes = Array(text.utf8)
            bytes[position + 2] = 0xFE
            #expect(throws: JSONParseError(offset: position + 2, reason: "invalid UTF-8 byte 0xFE in a string")) {
                try JSONValue.parse(bytes)
            }
        }
    }

    @Test func keysDifferingOnlyInNormalizationStayDistinct() throws {
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        let text = "{\"\(composed)\":1,\"\(decomposed)\":2}"
        let object = try #require(try JSONValue.parse(text).objectValue)
        #expect(object.count == 2)
        #expect(object[composed] == 1)
        #expect(object[decomposed] == 2)
        #expect(JSONValue.object(object).jsonString == text)
    }

    @Test func largeValuesOutgrowTheStackBuffer() throws {
        let longString = String(repeating: "line \"quoted\"\n", count: 500)
        var array: [JSONValue] = []
        for index in 0..<2_000 {
            array.append(index % 3 == 0 ? .string(longString) : .number(JSONNumber(index)))
        }
        let value = JSONValue.array(array)
        let bytes = value.serialized()
        #expect(bytes.count > 1_000_000)
        #expect(try JSONValue.parse(bytes) == value)
        #expect(value.jsonString.utf8.count == bytes.count)
    }

    @Test func writeIntoAppendsToExistingBytes() {
        var buffer = Array("prefix:".utf8)
        let value: JSONValue = ["a": [true, nil]]
        value.write(into: &buffer)
        value.write(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:{"a":[true,null]}{"a":[true,null]}"#)
    }

    @Test func objectIteratesMembersInOrder() {
        let object: JSONObject = ["one": 1, "two": 2, "three": 3]
        var seen: [String] = []
        for (key, value) in object {
            seen.append("\(key)=\(value.intValue ?? -1)")
        }
        #expect(seen == ["one=1", "two=2", "three=3"])
        #expect(object.map(\.key) == ["one", "two", "three"])
    }

    // MARK: - Errors

    @Test(arguments: [
        ("[1,2,]", 5, "trailing comma before ']'"),
        (#"{"a":1,}"#, 7, "trailing comma before '}'"),
        (#""abc"#, 4, "unexpected end of input in the string that starts at byte 0"),
        (#"{"a":"abc}"#, 10, "unexpected end of input in the string that starts at byte 5"),
        (#"["a\qb"]"#, 3, "invalid escape sequence '\\q'"),
        (#""\u12G4""#, 1, "invalid \\u escape, expected four hex digits"),
        (#""\u12""#, 1, "invalid \\u escape, expected four hex digits"),
        ("01", 1, "leading zeros are not allowed in numbers"),
        ("[-012]", 3, "leading zeros are not allowed in numbers"),
        ("\"a\nb\"", 2, "unescaped control character 0x0A in a string"),
        ("\"a\tb\"", 2, "unescaped control character 0x09 in a string"),
        ("{} x", 3, "unexpected 'x' after the JSON value"),
        ("1 2", 2, "unexpected '2' after the JSON value"),
        ("[1]]", 3, "unexpected ']' after the JSON value"),
        ("", 0, "unexpected end of input, expected a value"),
        ("   ", 3, "unexpected end of input, expected a value"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' after an object member"),
        ("[1 2]", 3, "expected ',' or ']' after an array element"),
        ("[1", 2, "unexpected end of input, expected ',' or ']' after an array element"),
        (#"{"a" 1}"#, 5, "expected ':' after an object key"),
        ("{1:2}", 1, "expected a string key for an object member but found '1'"),
        ("[+1]", 1, "expected a value but found '+'"),
        ("[.5]", 1, "expected a value but found '.'"),
        ("[1.]", 3, "expected a digit after the decimal point"),
        ("1e", 2, "expected a digit in the exponent"),
        ("-", 1, "unexpected end of input, expected a digit"),
        ("-x", 1, "expected a digit in a number"),
        ("tru", 0, "invalid literal, expected 'true'"),
        ("[nul]", 1, "invalid literal, expected 'null'"),
        ("[True]", 1, "expected a value but found 'T'"),
        (#""\ud83d""#, 1, "lone high surrogate in a \\u escape, expected a low surrogate to follow"),
        (#""\ud83d\u0041""#, 1, "lone high surrogate in a \\u escape, expected a low surrogate to follow"),
        (#""x\ude00""#, 2, "lone low surrogate in a \\u escape"),
    ])
    func errorsReportOffsetAndReason(input: String, offset: Int, reason: String) {
        #expect(throws: JSONParseError(offset: offset, reason: reason)) {
            try JSONValue.parse(input)
        }
    }

    @Test(arguments: [
        ([0x22, 0x61, 0xFF, 0x22] as [UInt8], 2, "invalid UTF-8 byte 0xFF in a string"),
        ([0x22, 0x80, 0x22], 1, "invalid UTF-8 byte 0x80 in a string"),
        ([0x22, 0xC0, 0xAF, 0x22], 1, "invalid UTF-8 byte 0xC0 in a string"),
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1, "invalid UTF-8 sequence starting with byte 0xE0 in a string"),
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "invalid UTF-8 sequence starting with byte 0xED in a string"),
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, "invalid UTF-8 sequence starting with byte 0xF4 in a string"),
        ([0x22, 0xE4, 0xB8, 0x22], 1, "invalid UTF-8 sequence starting with byte 0xE4 in a string"),
        ([0x22, 0xE4, 0xB8], 1, "truncated UTF-8 sequence in a string"),
        ([0x5B, 0xFF, 0x5D], 1, "expected a value but found byte 0xFF"),
        ([0x22, 0x5C, 0x0A, 0x22], 1, "invalid escape sequence, a backslash followed by byte 0x0A"),
    ])
    func invalidBytesAreRejected(bytes: [UInt8], offset: Int, reason: String) {
        #expect(throws: JSONParseError(offset: offset, reason: reason)) {
            try JSONValue.parse(bytes)
        }
    }

    @Test func nestingDeeperThanTheLimitIsAnError() {
        let deepArrays = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError(offset: 512, reason: "nesting deeper than 512 arrays and objects")) {
            try JSONValue.parse(deepArrays)
        }
        let deepObjects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        #expect(throws: JSONParseError(offset: 512 * 5, reason: "nesting deeper than 512 arrays and objects")) {
            try JSONValue.parse(deepObjects)
        }
    }

    @Test func nestingAtTheLimitIsAccepted() throws {
        let text = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        let value = try JSONValue.parse(text)
        #expect(value.jsonString == text)
    }

    @Test func errorDescriptionReadsAsASentence() {
        do {
            _ = try JSONValue.parse(#"{"retry":true "queue":1}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 14)
            #expect(error.description == "Invalid JSON at byte 14: expected ',' or '}' after an object member.")
        }
        #expect(JSONParseError(offset: 17, reason: "expected ',' or '}' after an object member").description
            == "Invalid JSON at byte 17: expected ',' or '}' after an object member.")
    }

    // MARK: - Randomised round trips

    @Test func randomValuesRoundTrip() throws {
        var generator = RandomJSON(seed: 0x5EED_C0FF_EE15_600D)
        var totalBytes = 0
        for iteration in 0..<2_000 {
            let value = generator.value(depth: 0)
            let bytes = value.serialized()
            totalBytes += bytes.count
            let reparsed: JSONValue
            do {
                reparsed = try JSONValue.parse(bytes)
            } catch {
                Issue.record("iteration \(iteration): \(error) in \(String(decoding: bytes, as: UTF8.self))")
                continue
            }
            #expect(reparsed == value, "iteration \(iteration)")
            #expect(reparsed.serialized() == bytes, "iteration \(iteration)")
            #expect(reparsed.hashValue == value.hashValue, "iteration \(iteration)")
        }
        #expect(totalBytes > 50_000, "the generator should produce non-trivial documents")
    }
}

/// A deterministic generator of JSON values (SplitMix64), so failures reproduce.
private struct RandomJSON {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    mutating func value(depth: Int) -> JSONValue {
        let kinds = depth >= 4 ? 5 : 7
        switch below(kinds) {
        case 0: return .null
        case 1: return .bool(below(2) == 0)
        case 2: return .number(number())
        case 3, 4: return .string(string())
        case 5:
            return .array((0..<below(6)).map { _ in value(depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<below(6) {
                object[string()] = value(depth: depth + 1)
            }
            return .object(object)
        }
    }

    mutating func number() -> JSONNumber {
        switch below(4) {
        case 0:
            return JSONNumber(Int(bitPattern: UInt(next())) >> below(64))
        case 1:
            var double: Double
            repeat {
                double = Double(bitPattern: next())
            } while !double.isFinite
            return JSONNumber(double)
        case 2:
            return JSONNumber(Double(below(1_000_000_000)) / 1000)
        default:
            // Arbitrary grammar-valid text: big integers, fractions, exponents in every spelling.
            var text = below(2) == 0 ? "-" : ""
            text += below(4) == 0 ? "0" : String(1 + below(9)) + digits(below(30))
            if below(2) == 0 { text += "." + digits(1 + below(20)) }
            if below(3) == 0 {
                text += ["e", "E"][below(2)] + ["", "+", "-"][below(3)] + digits(1 + below(4))
            }
            return JSONNumber(text: text)!
        }
    }

    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(below(10))) })
    }

    static let alphabet: [Unicode.Scalar] = [
        "a", "b", "Z", "0", " ", "/", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{8}", "\u{C}", "\u{1F}",
        "\u{7F}", "é", "ß", "中", "😀", "𝄞", "\u{2028}", "\u{FFFD}", "\u{FFFF}", "\u{10FFFF}", "\u{301}",
    ]

    mutating func string() -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<(below(4) == 0 ? below(40) : below(12)) {
            scalars.append(Self.alphabet[below(Self.alphabet.count)])
        }
        return String(scalars)
    }
}
