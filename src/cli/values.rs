//! Values picked from a fixed list (`--profile`, `--fault`): parsed like clap's own enums (the
//! error lists the valid names, and completions and the man page know them), with a
//! did-you-mean that also finds a name from a part of it (`--fault pascal-case` →
//! `reject-pascal-case-ops`), which clap's own similarity test misses.

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::ValueEnum;

use crate::diag::did_you_mean;
use crate::profile::Profile;

/// A parser for one of `values`, each a name (with its help) and what it stands for.
#[derive(Clone, Debug)]
pub(crate) struct Named<T> {
    values: Vec<(PossibleValue, T)>,
}

impl<T: ValueEnum + Clone> Named<T> {
    /// The variants of a clap enum, named as it names them.
    pub(crate) fn of_enum() -> Named<T> {
        let values = T::value_variants()
            .iter()
            .filter_map(|v| Some((v.to_possible_value()?, v.clone())))
            .collect();
        Named { values }
    }
}

impl<T> Named<T> {
    fn names(&self) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(pv, _)| !pv.is_hide_set())
            .map(|(pv, _)| pv.get_name())
            .collect()
    }
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Named<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        // Case is ignored, as the fault names in scenario fixtures are.
        if let Some((_, found)) = self.values.iter().find(|(pv, _)| pv.matches(&text, true)) {
            return Ok(found.clone());
        }
        let names = self.names();
        let mut error = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
        let arg = arg.map_or_else(|| "...".to_owned(), ToString::to_string);
        error.insert(ContextKind::InvalidArg, ContextValue::String(arg));
        error.insert(
            ContextKind::InvalidValue,
            ContextValue::String(text.clone().into_owned()),
        );
        error.insert(
            ContextKind::ValidValue,
            ContextValue::Strings(names.iter().map(|n| (*n).to_owned()).collect()),
        );
        if let Some(close) = suggest(&text, &names) {
            error.insert(
                ContextKind::SuggestedValue,
                ContextValue::String(close.to_owned()),
            );
        }
        Err(error)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().map(|(pv, _)| pv.clone())))
    }
}

/// The name `word` most likely meant: one a typo away (strsim, as for scenario keys), else the
/// only name that contains it.
pub(crate) fn suggest<'a>(word: &str, names: &[&'a str]) -> Option<&'a str> {
    if let Some(close) = did_you_mean(word, names.iter().copied()) {
        return Some(close);
    }
    let word = word.to_ascii_lowercase();
    // Shorter parts (`re`, `-`) are in too many names to point at one.
    if word.len() < 4 {
        return None;
    }
    let mut containing = names.iter().copied().filter(|n| n.contains(&word));
    match (containing.next(), containing.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// One `--profile` value: a profile, or `all` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProfileArg {
    One(Profile),
    All,
}

/// The parser for `--profile`: the profiles' names, and `all`.
pub(crate) fn profiles() -> Named<ProfileArg> {
    let mut values: Vec<(PossibleValue, ProfileArg)> = Named::<Profile>::of_enum()
        .values
        .into_iter()
        .map(|(pv, p)| (pv, ProfileArg::One(p)))
        .collect();
    values.push((
        PossibleValue::new("all").help("Every profile, ending with a compatibility matrix"),
        ProfileArg::All,
    ));
    Named { values }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refserver::Fault;

    fn parse<T: Clone + Send + Sync + 'static>(parser: &Named<T>, text: &str) -> Result<T, String> {
        let cmd = clap::Command::new("scimcheck");
        parser
            .parse_ref(&cmd, None, OsStr::new(text))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_swapped_letter_in_a_profile_suggests_the_profile() {
        let error = parse(&profiles(), "entra-defualt").unwrap_err();
        assert!(
            error.contains("tip: a similar value exists: 'entra-default'"),
            "{error}"
        );
        assert!(
            error.contains("[possible values: entra-default, entra-flag, entra-legacy, rfc, all]"),
            "{error}"
        );
        assert_eq!(parse(&profiles(), "all"), Ok(ProfileArg::All));
        assert_eq!(parse(&profiles(), "RFC"), Ok(ProfileArg::One(Profile::Rfc)));
    }

    #[test]
    fn a_part_of_a_fault_name_suggests_the_fault_that_contains_it() {
        let error = parse(&Named::<Fault>::of_enum(), "pascal-case").unwrap_err();
        assert!(
            error.contains("tip: a similar value exists: 'reject-pascal-case-ops'"),
            "{error}"
        );
        // `reject` is in many names: no single suggestion.
        let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(suggest("reject", &names), None);
        assert_eq!(suggest("nope", &names), None);
    }

    #[test]
    fn every_fault_parses_by_the_name_it_prints() {
        let parser = Named::<Fault>::of_enum();
        for fault in Fault::ALL {
            assert_eq!(parse(&parser, fault.name()), Ok(*fault), "{}", fault.name());
        }
        assert_eq!(parser.names().len(), Fault::ALL.len());
    }
}
