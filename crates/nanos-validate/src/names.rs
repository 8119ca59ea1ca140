//! One definition of an enum's names, for the enums that are written as text: in JSON, on the
//! command line and in the store's database.

/// Gives a fieldless enum its names, each written once: `ALL` (every value, in the order listed),
/// `as_str`, `parse` (whose error says what was expected) and `FromStr`.
///
/// The names must be the enum's serde names (a test of each enum checks it); listing them here
/// keeps them `&'static str` and lets `ALL` follow an order other than the declaration's.
///
/// ```
/// #[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// enum Light { Red, Green }
/// nanos_validate::enum_names!(Light, "light", { Red => "red", Green => "green" });
///
/// assert_eq!(Light::ALL, [Light::Red, Light::Green]);
/// assert_eq!(Light::Green.as_str(), "green");
/// assert_eq!("red".parse::<Light>(), Ok(Light::Red));
/// assert_eq!(
///     Light::parse("blue").unwrap_err(),
///     "unknown light \"blue\": expected red or green"
/// );
/// ```
#[macro_export]
macro_rules! enum_names {
    ($enum:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $enum {
            /// Every value, in the order its names are listed.
            pub const ALL: [$enum; [$($name),+].len()] = [$($enum::$variant),+];

            /// The value's name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)+
                }
            }

            /// The value named `name`; the error names what was expected.
            pub fn parse(name: &str) -> ::std::result::Result<$enum, ::std::string::String> {
                match name {
                    $($name => ::std::result::Result::Ok($enum::$variant),)+
                    other => ::std::result::Result::Err($crate::names::unknown(
                        $what,
                        other,
                        &[$($name),+],
                    )),
                }
            }
        }

        impl ::std::str::FromStr for $enum {
            type Err = ::std::string::String;

            fn from_str(name: &str) -> ::std::result::Result<$enum, ::std::string::String> {
                $enum::parse(name)
            }
        }
    };
}

/// The error of a name that is none of `names`: `unknown channel "nightly": expected private,
/// alpha, beta or stable`.
#[doc(hidden)]
pub fn unknown(what: &str, name: &str, names: &[&str]) -> String {
    let expected = match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    format!("unknown {what} {name:?}: expected {expected}")
}
