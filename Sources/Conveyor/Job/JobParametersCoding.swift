import Foundation

/// The JSON value coder typed jobs use, set up to write Foundation's types as `JSONEncoder` does.
///
/// `JSONEncoder` gives three Foundation types a JSON form other than their `Codable` one: `URL` as
/// its absolute string, `Data` as base64 and `Decimal` as a number. Typed jobs were encoded with it
/// before ConveyorJSON had a coder, so jobs already queued (and Ruby or Swift code reading them)
/// use those forms; ConveyorJSON knows nothing of Foundation, so the forms are added here.
/// `Date` needs nothing: its `Codable` form is `JSONEncoder`'s default, seconds since 2001.
enum JobParametersCoding {
    /// Encodes typed jobs' values.
    static let encoder: JSONValueEncoder = {
        var encoder = JSONValueEncoder()
        encoder.valueOverride = { value, codingPath in
            switch value {
            case let url as URL:
                return .string(url.absoluteString)
            case let data as Data:
                return .string(data.base64EncodedString())
            case let decimal as Decimal:
                guard let number = JSONNumber(text: decimal.description) else {
                    throw EncodingError.invalidValue(decimal, EncodingError.Context(codingPath: codingPath, debugDescription: "Unable to encode Decimal \(decimal) in JSON, which has no spelling for NaN."))
                }
                return .number(number)
            default:
                return nil
            }
        }
        return encoder
    }()

    /// Decodes typed jobs' values.
    static let decoder: JSONValueDecoder = {
        var decoder = JSONValueDecoder()
        decoder.valueOverride = { type, value, codingPath in
            if type == URL.self {
                guard let text = value.stringValue else { throw notA("string holding a URL", type, codingPath) }
                guard let url = URL(string: text) else {
                    throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "Invalid URL string."))
                }
                return url
            }
            if type == Data.self {
                guard let text = value.stringValue else { throw notA("Base64 string", type, codingPath) }
                guard let data = Data(base64Encoded: text) else {
                    throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "Encountered Data is not valid Base64."))
                }
                return data
            }
            if type == Decimal.self {
                guard case .number(let number) = value else { throw notA("number", type, codingPath) }
                guard let decimal = Decimal(string: number.text, locale: Locale(identifier: "en_US_POSIX")) else {
                    throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "The number \(number.text) does not fit in Decimal."))
                }
                return decimal
            }
            return nil
        }
        return decoder
    }()

    /// The type mismatch for a Foundation type whose JSON form is missing.
    private static func notA(_ form: String, _ type: Any.Type, _ codingPath: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(codingPath: codingPath, debugDescription: "Expected a \(form) for \(type)."))
    }
}
