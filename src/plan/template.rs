//! `{{ name }}` templates in scenario strings.
//!
//! A template is parsed once, when the plan is compiled, so an unclosed `{{` or an unknown
//! name is a scenario error with a location, never a surprise in the middle of a run.

use std::fmt;

/// Names that produce a fresh value each time they are rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generator {
    /// `{{ uuid }}`: a random UUID v4.
    Uuid,
    /// `{{ random_name }}`: a random given name, e.g. `Adele`.
    RandomName,
    /// `{{ random_word }}`: a random lower-case word, e.g. `amber`.
    RandomWord,
}

impl Generator {
    /// Every generator name, as written in a template.
    pub const NAMES: &'static [&'static str] = &["uuid", "random_name", "random_word"];

    fn from_name(name: &str) -> Option<Generator> {
        match name {
            "uuid" => Some(Generator::Uuid),
            "random_name" => Some(Generator::RandomName),
            "random_word" => Some(Generator::RandomWord),
            _ => None,
        }
    }

    /// A fresh value.
    pub fn generate(self) -> String {
        use rand::seq::IndexedRandom;
        const NAMES: &[&str] = &[
            "Adele", "Bruno", "Chioma", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ilse",
            "Jonas", "Keiko", "Lars", "Mira", "Nils", "Oona", "Priya",
        ];
        const WORDS: &[&str] = &[
            "amber", "birch", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo",
            "juniper", "kestrel", "lumen", "meadow", "nimbus", "onyx", "prairie",
        ];
        let mut rng = rand::rng();
        match self {
            Generator::Uuid => uuid::Uuid::new_v4().to_string(),
            Generator::RandomName => NAMES
                .choose(&mut rng)
                .copied()
                .unwrap_or("Adele")
                .to_owned(),
            Generator::RandomWord => WORDS
                .choose(&mut rng)
                .copied()
                .unwrap_or("amber")
                .to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var(String),
    Gen(Generator),
}

/// A string with `{{ variable }}` and `{{ generator }}` placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

/// Why a template could not be parsed; `offset` is the byte offset in the template text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("`{{{{` at offset {offset} is never closed with `}}}}`")]
    Unclosed { offset: usize },
    #[error("`{name}` at offset {offset} is not a variable name (letters, digits, `_`, `-`, `.`)")]
    BadName { name: String, offset: usize },
}

/// A template named a variable that has no value when it was rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("variable `{0}` has no value")]
pub struct UnknownVariable(pub String);

impl Template {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut consumed = 0;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or(TemplateError::Unclosed {
                offset: consumed + open,
            })?;
            let name = after[..close].trim();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !valid {
                return Err(TemplateError::BadName {
                    name: name.to_owned(),
                    offset: consumed + open,
                });
            }
            parts.push(match Generator::from_name(name) {
                Some(generator) => Part::Gen(generator),
                None => Part::Var(name.to_owned()),
            });
            let used = open + 2 + close + 2;
            consumed += used;
            rest = &rest[used..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(Template {
            source: text.to_owned(),
            parts,
        })
    }

    /// A template with no placeholders.
    pub fn literal(text: impl Into<String>) -> Template {
        let text = text.into();
        Template {
            parts: vec![Part::Literal(text.clone())],
            source: text,
        }
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The variables (not generators) the template reads.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Renders the template, looking variables up with `lookup`.
    pub fn render(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, UnknownVariable> {
        let mut out = String::with_capacity(self.source.len());
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Gen(generator) => out.push_str(&generator.generate()),
                Part::Var(name) => match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => return Err(UnknownVariable(name.clone())),
                },
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        (name == "alice.id").then(|| "42".to_owned())
    }

    #[test]
    fn renders_variables_between_literals() {
        let t = Template::parse("/Users/{{ alice.id }}?x=1").expect("parses");
        assert_eq!(t.render(&vars).expect("renders"), "/Users/42?x=1");
        assert_eq!(t.variables().collect::<Vec<_>>(), ["alice.id"]);
    }

    #[test]
    fn generators_are_not_variables_and_give_fresh_values() {
        let t = Template::parse("{{uuid}}").expect("parses");
        assert_eq!(t.variables().count(), 0);
        let a = t.render(&vars).expect("renders");
        assert_eq!(a.len(), 36);
        assert_ne!(a, t.render(&vars).expect("renders"));
    }

    #[test]
    fn unclosed_placeholder_reports_its_offset() {
        assert_eq!(
            Template::parse("ab{{ x"),
            Err(TemplateError::Unclosed { offset: 2 })
        );
    }

    #[test]
    fn unknown_variable_is_an_error_when_rendered() {
        let t = Template::parse("{{ bob.id }}").expect("parses");
        assert_eq!(t.render(&vars), Err(UnknownVariable("bob.id".into())));
    }
}
