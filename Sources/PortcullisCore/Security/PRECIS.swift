import Foundation

/// PRECIS (RFC 8264) as RFC 8265 profiles it for usernames and passwords, plus the display-name rule for client and
/// token names: the one preparation of every identifier a person types, applied before it is compared or stored.
///
/// Swift's `String ==` compares by canonical equivalence and SQLite's `lower()` folds only ASCII, so without this
/// `admin`, `ａｄｍｉｎ`, `admin\u{200D}` and `аdmin` (Cyrillic а) were four accounts, and `admin\u{0}x` was stored
/// but read back as `admin` by C code that stops at NUL.
public enum PRECIS {
    /// Why a string was refused: each case names one class of RFC 8264 §9 (or a rule of ours beyond PRECIS).
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// Nothing left after preparation (RFC 8265 §3.3.3, §4.2.3: an empty string is refused).
        case empty
        /// Longer than the field allows, counted in Unicode scalars of the prepared form (`PRECIS.length`): a grapheme
        /// count would call a letter with thousands of combining marks one character.
        case tooLong(maximum: Int)
        /// Beyond PRECIS (UTS #39 §5.4, which suggests refusing more than 4 nonspacing marks in a row): more combining
        /// marks on one base character than `PRECIS.maximumCombiningMarks`.
        case tooManyCombiningMarks(maximum: Int)
        /// RFC 8264 §9.12 Controls (U+0000–U+001F, U+007F–U+009F), NUL included.
        case controlCharacter
        /// RFC 8264 §9.8 JoinControl (U+200C ZWNJ, U+200D ZWJ): CONTEXTJ in PRECIS; refused outright here instead of
        /// implementing the RFC 5892 Appendix A context rules.
        case joinControl
        /// Invisible or layout-changing characters: RFC 8264 §9.13 PrecisIgnorableProperties (default-ignorable code
        /// points such as U+202E RLO, noncharacters) and other format characters (general category Cf).
        case formatCharacter
        /// RFC 8264 §9.14 Spaces: not in IdentifierClass.
        case space
        /// RFC 8264 §9.15–§9.16 Symbols and Punctuation outside ASCII: not in IdentifierClass.
        case symbolOrPunctuation
        /// RFC 8264 §9.17 HasCompat: a character with a compatibility decomposition (ligatures, circled letters, …).
        case compatibilityCharacter
        /// RFC 8264 §9.4 Unassigned code points, and private-use or surrogate ones.
        case unassigned
        /// Any other code point IdentifierClass disallows (RFC 8264 §8 "Otherwise", §9.6 Exceptions, §9.9 OldHangulJamo).
        case disallowed
        /// Beyond PRECIS (UTS #39 §5.1 "mixed script"): Latin mixed with Cyrillic, Greek or a right-to-left script.
        case mixedScripts
        /// Beyond PRECIS (UTS #39 §5.4): a combining mark that NFC could not combine with the ASCII letter before it.
        case uncombinedMark

        /// A sentence ending for "The username …" / "The password …".
        public var description: String {
            switch self {
            case .empty: "may not be empty."
            case .tooLong(let maximum): "may not be greater than \(maximum) characters."
            case .controlCharacter: "may not contain control characters (such as NUL, tab or newline)."
            case .joinControl: "may not contain zero-width joiners or non-joiners."
            case .formatCharacter: "may not contain invisible or direction-changing characters (such as U+202E)."
            case .space: "may not contain spaces."
            case .symbolOrPunctuation: "may contain only letters, digits and ASCII punctuation."
            case .compatibilityCharacter: "may not contain compatibility characters (ligatures, circled or styled letters)."
            case .unassigned: "may not contain unassigned or private-use characters."
            case .disallowed: "contains a character that is not allowed."
            case .mixedScripts: "may not mix Latin letters with Cyrillic, Greek or right-to-left letters."
            case .uncombinedMark: "may not put a combining mark on an ASCII letter (such as i followed by U+0307)."
            case .tooManyCombiningMarks(let maximum): "may not put more than \(maximum) combining marks on one character."
            }
        }
    }

    // MARK: Lengths

    /// The length every text limit counts: Unicode scalars. `String.count` counts grapheme clusters, so `a` followed by
    /// 8,700 U+0F73 was one "character" (and a 500 from SQLite's LIKE, whose pattern limit is in bytes).
    public static func length(_ string: String) -> Int {
        string.unicodeScalars.count
    }

    /// UTS #39 §5.4: at most this many combining marks in a row on one base character in a username or a name.
    public static let maximumCombiningMarks = 4

    /// Throws when more than `maximumCombiningMarks` combining marks (general category M) follow one another.
    static func checkCombiningMarks(_ string: String) throws(Refusal) {
        var run = 0
        for scalar in string.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                run += 1
                if run > maximumCombiningMarks { throw .tooManyCombiningMarks(maximum: maximumCombiningMarks) }
            default:
                run = 0
            }
        }
    }

    // MARK: Usernames

    /// A username prepared by RFC 8265: `display` is the UsernameCasePreserved form (§3.4: width-mapped, NFC,
    /// IdentifierClass), stored and shown as the user typed it; `key` is the UsernameCaseMapped form (§3.3: also
    /// lowercased), the one usernames are compared by (unique per workspace).
    public struct Username: Sendable, Equatable {
        public let display: String
        public let key: String
    }

    /// Enforces both username profiles of RFC 8265 §3.3 and §3.4, and our two rules beyond PRECIS (mixed scripts,
    /// uncombined marks). Throws the first refusal. Not checked: the RFC 5893 Bidi Rule (§3.3.1 asks for it), for which
    /// Swift has no bidi-class property; mixing a right-to-left script with Latin is refused instead.
    public static func username(_ typed: String, maximumLength: Int = 100) throws(Refusal) -> Username {
        let display = nfc(widthMapped(typed))
        let key = nfc(widthMapped(typed).lowercased())
        if length(key) > maximumLength || length(display) > maximumLength { throw .tooLong(maximum: maximumLength) }
        try checkIdentifier(display)
        try checkIdentifier(key)
        try checkCombiningMarks(display)
        return Username(display: display, key: Confusables.skeleton(key))
    }

    /// The comparison key of a username as typed at sign-in (RFC 8265 §3.3.2 mapping: width, lowercase, NFC, then the
    /// look-alike skeleton), without
    /// the checks: lookups never refuse, so an account created before these rules still signs in with its own name,
    /// and a refused look-alike simply finds no account.
    public static func usernameKey(_ typed: String) -> String {
        // Beyond PRECIS: look-alike letters compare as the Latin letter they look like (`Confusables`).
        Confusables.skeleton(nfc(widthMapped(typed).lowercased()))
    }

    /// RFC 8265 §3.3.2 rule 1: fullwidth and halfwidth code points map to their decomposition. Those are the code
    /// points with a `<wide>` or `<narrow>` decomposition: the Halfwidth and Fullwidth Forms block and U+3000
    /// IDEOGRAPHIC SPACE (Swift exposes no decomposition type, so the block ranges stand for it).
    public static func widthMapped(_ string: String) -> String {
        guard string.unicodeScalars.contains(where: isWidthVariant) else { return string }
        var mapped = String.UnicodeScalarView()
        for scalar in string.unicodeScalars {
            if isWidthVariant(scalar) {
                mapped.append(contentsOf: String(scalar).decomposedStringWithCompatibilityMapping.unicodeScalars)
            } else {
                mapped.append(scalar)
            }
        }
        return String(mapped)
    }

    static func isWidthVariant(_ scalar: Unicode.Scalar) -> Bool {
        (0xFF01...0xFFEE).contains(scalar.value) || scalar.value == 0x3000
    }

    /// RFC 8264 §4.2 IdentifierClass over every code point, then the rules beyond PRECIS.
    static func checkIdentifier(_ string: String) throws(Refusal) {
        if string.isEmpty { throw .empty }
        var previous: Unicode.Scalar?
        var scripts = Set<Script>()
        for scalar in string.unicodeScalars {
            if let refusal = identifierClassRefusal(scalar) { throw refusal }
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                // After NFC a mark still standing right after an ASCII letter composed with nothing: `i` + U+0307 (what
                // `İ` lowercases to) looks like `i`.
                if let previous, previous.isASCII, previous.properties.isAlphabetic { throw .uncombinedMark }
            default:
                if let script = Script(scalar) { scripts.insert(script) }
            }
            previous = scalar
        }
        if scripts.count > 1 && scripts.contains(.latin) { throw .mixedScripts }
        if scripts.contains(.cyrillic) && scripts.contains(.greek) { throw .mixedScripts }
    }

    /// The letters whose mixing we refuse (UTS #39 §5.1 in spirit; block ranges, as Swift has no Script property).
    enum Script {
        case latin, cyrillic, greek, rightToLeft

        init?(_ scalar: Unicode.Scalar) {
            guard scalar.properties.isAlphabetic else { return nil }
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x250...0x2AF, 0x1D00...0x1DBF, 0x1E00...0x1EFF, 0x2C60...0x2C7F,
                0xA720...0xA7FF, 0xAB30...0xAB6F:
                self = .latin
            case 0x370...0x3FF, 0x1F00...0x1FFF: self = .greek
            case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: self = .cyrillic
            case 0x590...0x8FF, 0xFB1D...0xFDFF, 0xFE70...0xFEFF: self = .rightToLeft
            default: return nil
            }
        }
    }

    /// RFC 8264 §8's derivation for IdentifierClass, in its order; nil when the code point is PVALID.
    static func identifierClassRefusal(_ scalar: Unicode.Scalar) -> Refusal? {
        let value = scalar.value
        // §9.6 Exceptions (RFC 5892 §2.6): PVALID ones; CONTEXTO ones are refused rather than given context rules.
        switch value {
        case 0xDF, 0x3C2, 0x6FD, 0x6FE, 0xF0B, 0x3007: return nil
        case 0xB7, 0x375, 0x5F3, 0x5F4, 0x30FB, 0x660...0x669, 0x6F0...0x6F9, 0x640, 0x7FA, 0x302E, 0x302F, 0x3031...0x3035, 0x303B:
            return .disallowed
        default: break
        }
        let properties = scalar.properties
        let category = properties.generalCategory
        if category == .unassigned || category == .privateUse || category == .surrogate { return .unassigned }  // §9.4
        if (0x21...0x7E).contains(value) { return nil }  // §9.11 ASCII7 (the space U+0020 is not in it)
        if value == 0x200C || value == 0x200D { return .joinControl }  // §9.8
        if (0x1100...0x11FF).contains(value) || (0xA960...0xA97F).contains(value) || (0xD7B0...0xD7FF).contains(value) {
            return .disallowed  // §9.9 OldHangulJamo (conjoining jamo NFC did not compose)
        }
        if properties.isDefaultIgnorableCodePoint || properties.isNoncharacterCodePoint { return .formatCharacter }  // §9.13
        if category == .control { return .controlCharacter }  // §9.12
        if hasCompatibilityDecomposition(scalar) { return .compatibilityCharacter }  // §9.17
        switch category {
        case .lowercaseLetter, .uppercaseLetter, .otherLetter, .decimalNumber, .modifierLetter, .nonspacingMark, .spacingMark:
            return nil  // §9.1 LetterDigits
        case .spaceSeparator: return .space  // §9.14
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return .symbolOrPunctuation  // §9.15
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return .symbolOrPunctuation  // §9.16
        case .format, .lineSeparator, .paragraphSeparator: return .formatCharacter
        default: return .disallowed  // §9.2 OtherLetterDigits (Lt, Nl, No, Me) are FREE_PVAL: not in IdentifierClass
        }
    }

    /// RFC 8264 §9.17: toNFKC(cp) != cp, compared as code points (String `==` would call canonical equivalents equal).
    static func hasCompatibilityDecomposition(_ scalar: Unicode.Scalar) -> Bool {
        !String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars.elementsEqual(CollectionOfOne(scalar))
    }

    // MARK: Passwords

    /// A password prepared by RFC 8265 §4 OpaqueString for setting it: non-ASCII spaces map to U+0020 (§4.2.2 rule 1),
    /// NFC (rule 4), then FreeformClass (RFC 8264 §4.3): control characters (NUL, tab, newline), join controls,
    /// default-ignorable, format, unassigned and private-use code points are refused; spaces, symbols and
    /// compatibility characters are allowed. The result is what gets hashed; the caller counts its length.
    public static func password(_ typed: String) throws(Refusal) -> String {
        let prepared = passwordMapped(typed)
        if prepared.isEmpty { throw .empty }
        for scalar in prepared.unicodeScalars {
            if let refusal = freeformClassRefusal(scalar) { throw refusal }
        }
        return prepared
    }

    /// The form of a typed password to verify against a hash (RFC 8265 §4.2.2 mapping: spaces, NFC), or nil when it holds
    /// a NUL: bcrypt stops at the first NUL, so `ab\u{0}cdefghij` would verify as `ab`. Other control characters are
    /// let through here so a password set before these rules still verifies.
    public static func passwordForVerification(_ typed: String) -> String? {
        if typed.unicodeScalars.contains("\u{0}") { return nil }
        return passwordMapped(typed)
    }

    static func passwordMapped(_ typed: String) -> String {
        var mapped = String.UnicodeScalarView()
        for scalar in typed.unicodeScalars {
            mapped.append(scalar.properties.generalCategory == .spaceSeparator ? " " : scalar)
        }
        return nfc(String(mapped))
    }

    /// RFC 8264 §8's derivation for FreeformClass; nil when the code point is valid in it.
    static func freeformClassRefusal(_ scalar: Unicode.Scalar) -> Refusal? {
        let properties = scalar.properties
        let category = properties.generalCategory
        if category == .unassigned || category == .privateUse || category == .surrogate { return .unassigned }
        if (0x20...0x7E).contains(scalar.value) { return nil }  // ASCII7 and the space (§9.14 Spaces is FREE_PVAL)
        if scalar.value == 0x200C || scalar.value == 0x200D { return .joinControl }
        if properties.isDefaultIgnorableCodePoint || properties.isNoncharacterCodePoint { return .formatCharacter }
        if category == .control { return .controlCharacter }
        switch category {
        case .format, .lineSeparator, .paragraphSeparator: return .formatCharacter
        default: return nil  // letters, marks, numbers, spaces, symbols, punctuation, compatibility characters
        }
    }

    // MARK: Display names

    /// A client or personal-token name, prepared in the spirit of RFC 8266 (Nickname) but NFC rather than NFKC, so the
    /// name shows as typed: non-ASCII spaces map to U+0020, runs of spaces collapse to one, leading and trailing spaces
    /// go, then NFC. Control characters (NUL: `Web\u{0}` must never show as, or duplicate, `Web`), format and invisible
    /// characters (RLO, ZWJ), line separators and unassigned code points are refused. Throws `.empty` for a blank name.
    public static func displayName(_ typed: String, maximumLength: Int = 255) throws(Refusal) -> String {
        let prepared = nfc(displayNameMapped(typed))
        for scalar in prepared.unicodeScalars {
            // Variation selectors (default-ignorable marks that pick emoji presentation) are harmless in a name.
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if let refusal = freeformClassRefusal(scalar) { throw refusal }
        }
        if prepared.isEmpty { throw .empty }
        if length(prepared) > maximumLength { throw .tooLong(maximum: maximumLength) }
        try checkCombiningMarks(prepared)
        return prepared
    }

    /// The comparison key of a client name (unique per workspace): `displayName`'s mapping (spaces, NFC) without its
    /// checks, lowercased, NFC again (lowercasing may leave a sequence NFC composes). Never throws, so a name stored
    /// before these rules still gets a key (M0018). Before, the key was `lowercased()` of the raw name, so `Café` in NFC
    /// and in NFD were two clients.
    public static func displayNameKey(_ name: String) -> String {
        nfc(nfc(displayNameMapped(name)).lowercased())
    }

    static func displayNameMapped(_ typed: String) -> String {
        var mapped = String.UnicodeScalarView()
        // Surrounding whitespace and newlines go first, as they always did (a pasted name); inside, a newline is refused.
        for scalar in typed.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars {
            let isSpace = scalar.properties.generalCategory == .spaceSeparator
            if isSpace && (mapped.isEmpty || mapped.last == " ") { continue }
            mapped.append(isSpace ? " " : scalar)
        }
        if mapped.last == " " { mapped.removeLast() }
        return String(mapped)
    }

    /// Whether free text (a description) may not hold this code point: FreeformClass's refusals (RFC 8264 §4.3), except
    /// tab and newlines, which multi-line text needs, and nonspacing marks (variation selectors after an emoji).
    public static func isRefusedInText(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.generalCategory == .nonspacingMark { return false }
        return freeformClassRefusal(scalar) != nil
    }

    /// Unicode Normalization Form C (RFC 8264 §5.2.5).
    static func nfc(_ string: String) -> String {
        string.precomposedStringWithCanonicalMapping
    }
}
