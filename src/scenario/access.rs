//! The access types of [`super::de::NodeDe`]: sequences, mappings, enums, and the
//! `{ value, referenced, defined }` map serde-saphyr's `Spanned` asks for.

use serde::de::value::{MapDeserializer, StrDeserializer};
use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::de::{DeError, NodeDe};
use super::error::ScenarioErrorKind as Kind;
use super::node::{Node, Pos, Value};

pub(super) struct SeqAcc<'a> {
    pub(super) items: std::slice::Iter<'a, Node>,
}

impl<'de, 'a> SeqAccess<'de> for SeqAcc<'a> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(node) => seed.deserialize(NodeDe::child(node, None)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

pub(super) struct MapAcc<'a> {
    entries: std::vec::IntoIter<&'a (Node, Node)>,
    value: Option<&'a (Node, Node)>,
    variant: Option<&'a str>,
}

impl<'a> MapAcc<'a> {
    pub(super) fn new(entries: Vec<&'a (Node, Node)>, parent: NodeDe<'a>) -> MapAcc<'a> {
        MapAcc {
            entries: entries.into_iter(),
            value: None,
            variant: parent.variant,
        }
    }
}

impl<'de, 'a> MapAccess<'de> for MapAcc<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        // Moving on even when the key fails keeps a recovering caller in step.
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(entry);
        let key = NodeDe {
            node: &entry.0,
            key: None,
            variant: self.variant,
        };
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| DeError::new(Kind::Other("a value was read before its key".into())))?;
        seed.deserialize(NodeDe::child(value, key.text()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

pub(super) struct EnumAcc<'a> {
    pub(super) name: &'a str,
    pub(super) value: Option<&'a Node>,
    /// Where the variant name is.
    pub(super) at: Pos,
}

impl<'de, 'a> EnumAccess<'de> for EnumAcc<'a> {
    type Error = DeError;
    type Variant = EnumAcc<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, EnumAcc<'a>), DeError> {
        let name: StrDeserializer<'_, DeError> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'a> EnumAcc<'a> {
    fn value(&self) -> Result<NodeDe<'a>, DeError> {
        match self.value {
            Some(node) => Ok(NodeDe {
                node,
                key: None,
                variant: Some(self.name),
            }),
            None => Err(DeError::at(
                Kind::NeedsValue {
                    variant: self.name.to_owned(),
                },
                self.at,
            )),
        }
    }
}

impl<'de, 'a> VariantAccess<'de> for EnumAcc<'a> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.value {
            None => Ok(()),
            Some(node) if matches!(node.value, Value::Null) => Ok(()),
            Some(node) => Err(DeError::at(
                Kind::TakesNoValue {
                    variant: self.name.to_owned(),
                },
                node.at,
            )),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self.value()?)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.value()?.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.value()?.deserialize_struct("", fields, visitor)
    }
}

/// Answers `Spanned<T>`'s request for `{ value, referenced, defined }`.
pub(super) struct SpannedDe<'a> {
    pub(super) inner: NodeDe<'a>,
}

impl<'de, 'a> Deserializer<'de> for SpannedDe<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(SpannedAcc {
            inner: self.inner,
            next: 0,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct SpannedAcc<'a> {
    inner: NodeDe<'a>,
    next: u8,
}

impl<'de, 'a> MapAccess<'de> for SpannedAcc<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let key = match self.next {
            0 => "value",
            1 => "referenced",
            2 => "defined",
            _ => return Ok(None),
        };
        let key: StrDeserializer<'_, DeError> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        self.next += 1;
        let node = self.inner.node;
        match self.next {
            1 => seed.deserialize(self.inner),
            2 => seed.deserialize(PosDe(node.at)),
            _ => seed.deserialize(PosDe(node.defined)),
        }
    }
}

/// A position as serde-saphyr's `Location` reads it (its span is left at the default).
struct PosDe(Pos);

impl<'de> Deserializer<'de> for PosDe {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let fields = [("line", self.0.line), ("column", self.0.column)];
        visitor.visit_map(MapDeserializer::new(fields.into_iter()))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}
