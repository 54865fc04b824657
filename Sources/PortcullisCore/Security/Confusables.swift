/// Beyond PRECIS: letters that look like a Latin lowercase letter, so that usernames which look alike compare alike
/// (UTS #39 §4 "skeleton", reduced to the letters that matter for names typed in Latin script). PRECIS
/// (RFC 8265 §3.3) maps width, case and normalisation, but `асе` in Cyrillic, `admın` with a dotless i or
/// `ᴀᴅᴍɪɴ` in small capitals stay distinct from `ace` and `admin` under it; the attacker's pass of issue 12 created
/// each of them beside the real account. The skeleton is used only as the comparison key (what is unique per
/// workspace and what sign-in looks up); the name is still shown as typed.
///
/// The table is a hand-picked subset of Unicode's confusables.txt (prototype: a Latin lowercase letter), applied
/// after lowercasing; digits are left alone (`admin1` and `adminl` stay two names).
public enum Confusables {
    /// The comparison skeleton of an already case-mapped, NFC string.
    public static func skeleton(_ string: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in string.unicodeScalars {
            if let latin = latinPrototype[scalar.value] { result.append(latin) } else { result.append(scalar) }
        }
        return String(result)
    }

    /// Code point → the Latin lowercase letter it is confused with.
    static let latinPrototype: [UInt32: Unicode.Scalar] = {
        var table: [UInt32: Unicode.Scalar] = [:]
        let pairs: [(String, Unicode.Scalar)] = [
            // Cyrillic lowercase look-alikes.
            ("\u{0430}", "a"), ("\u{0435}", "e"), ("\u{043E}", "o"), ("\u{0440}", "p"), ("\u{0441}", "c"), ("\u{0443}", "y"),
            ("\u{0445}", "x"), ("\u{0455}", "s"), ("\u{0456}", "i"), ("\u{0458}", "j"), ("\u{04BB}", "h"), ("\u{0501}", "d"),
            ("\u{051B}", "q"), ("\u{051D}", "w"), ("\u{04CF}", "l"), ("\u{0475}", "v"),
            // Greek lowercase look-alikes.
            ("\u{03B1}", "a"), ("\u{03BF}", "o"), ("\u{03C1}", "p"), ("\u{03BD}", "v"), ("\u{03B9}", "i"), ("\u{03BA}", "k"),
            ("\u{03C5}", "u"), ("\u{03C7}", "x"), ("\u{03B3}", "y"),
            // Latin letters that look like plainer ones: dotless i and j, script a and g, small capitals.
            ("\u{0131}", "i"), ("\u{0237}", "j"), ("\u{0251}", "a"), ("\u{0261}", "g"),
            ("\u{1D00}", "a"), ("\u{0299}", "b"), ("\u{1D04}", "c"), ("\u{1D05}", "d"), ("\u{1D07}", "e"), ("\u{A730}", "f"),
            ("\u{0262}", "g"), ("\u{029C}", "h"), ("\u{026A}", "i"), ("\u{1D0A}", "j"), ("\u{1D0B}", "k"), ("\u{029F}", "l"),
            ("\u{1D0D}", "m"), ("\u{0274}", "n"), ("\u{1D0F}", "o"), ("\u{1D18}", "p"), ("\u{0280}", "r"), ("\u{A731}", "s"),
            ("\u{1D1B}", "t"), ("\u{1D1C}", "u"), ("\u{1D20}", "v"), ("\u{1D21}", "w"), ("\u{028F}", "y"), ("\u{1D22}", "z"),
        ]
        for (from, to) in pairs { table[from.unicodeScalars.first!.value] = to }
        return table
    }()
}
