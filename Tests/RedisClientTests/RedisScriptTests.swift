@testable import RedisClient
import ConveyorSupport
import Testing

/// SHA-1 as Redis names scripts. Every expected digest below was computed with `sha1sum`
/// (`printf 'return 1' | sha1sum`, …) when the test was written.
@Suite("SHA-1 and scripts")
struct RedisScriptTests {
    @Test func scriptSHA1MatchesSHA1Sum() {
        #expect(RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }

    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
        // 56 bytes: the length no longer fits the first block, so the padding spills into a second.
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        // UTF-8 source: hashed as its UTF-8 bytes, as Redis does.
        ("return \"héllo ✓\"", "9e0fa342d0b77fd17cba1da5faa2767c709a9f90"),
    ])
    func knownVectors(source: String, digest: String) {
        #expect(RedisScript(source).sha1 == digest)
        #expect(SHA1.hexDigest(of: Array(source.utf8)) == digest)
    }

    /// Lengths around the 55/56/64-byte padding boundaries.
    @Test(arguments: [
        (55, "cef734ba81a024479e09eb5a75b6ddae62e6abf1"),
        (56, "901305367c259952f4e7af8323f480d59f81335b"),
        (63, "0ddc4e0cccd9a12850deb5abb0853a4425559fec"),
        (64, "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163"),
        (65, "78c741ddc482e4cdf8c474a0876347a0905b6233"),
    ])
    func paddingBoundaries(length: Int, digest: String) {
        #expect(SHA1.hexDigest(of: [UInt8](repeating: UInt8(ascii: "x"), count: length)) == digest)
    }

    @Test func allByteValuesAndAMillionBytes() {
        #expect(SHA1.hexDigest(of: (0...255).map { UInt8($0) }) == "4916d6bdb7f78e6803698cab32d1586ea457dfc8")
        #expect(SHA1.hexDigest(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test func digestIsFortyLowercaseHexDigits() {
        for source in ["", "x", "return redis.call('GET', KEYS[1])"] {
            let digest = RedisScript(source).sha1
            #expect(digest.count == 40)
            #expect(digest.allSatisfy { "0123456789abcdef".contains($0) })
        }
    }

    @Test func evalCommandsCarryKeysAndArguments() {
        let script = RedisScript("return 1")
        let evalSHA = script.evalSHACommand(keys: ["k1", "k2"], arguments: [7, "a"])
        #expect(evalSHA.name == "EVALSHA")
        #expect(evalSHA.arguments == ["EVALSHA", script.sha1, "2", "k1", "k2", "7", "a"].map { Array($0.utf8) })
        let eval = script.evalCommand(keys: [], arguments: ["x"])
        #expect(eval.arguments == ["EVAL", "return 1", "0", "x"].map { Array($0.utf8) })
    }

    @Test func missingScriptDetection() {
        #expect(RedisScript.isMissingScript(.error("NOSCRIPT No matching script. Please use EVAL.")))
        #expect(!RedisScript.isMissingScript(.error("ERR something else mentions NOSCRIPT")))
        #expect(!RedisScript.isMissingScript(.status("NOSCRIPT")))
        #expect(!RedisScript.isMissingScript(.bulkString(Array("NOSCRIPT".utf8))))
    }
}
