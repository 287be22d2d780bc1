/// Why a payload could not be read as a job. The worker sends such payloads to the dead set with this
/// message, so the text says what is wrong with the payload.
public enum JobDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not valid JSON.
    case invalidJSON(JSONParseError)
    /// The JSON is valid but not an object.
    case notAnObject
    /// A required field is missing or has the wrong type.
    case missingField(String, expected: String)

    public var description: String {
        switch self {
        case .invalidJSON(let error):
            "The job payload is not valid JSON: \(error)"
        case .notAnObject:
            "The job payload is JSON but not an object; a job is an object like {\"class\":\"HardJob\",\"args\":[1]}."
        case .missingField(let name, let expected):
            "The job payload's \"\(name)\" field must be \(expected)."
        }
    }
}
