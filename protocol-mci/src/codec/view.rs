//! Frame → [`MessageView`]: the typed decode every decode goes through. The `Message` forms
//! ([`Layout::decode`], [`Codec::decode`]) convert its result, so both check the same things and
//! fail with the same errors.

use super::decode::Reader;
use super::select::read_header;
use super::Codec;
use crate::error::DecodeError;
use crate::layout::{Layout, MessageLayout};
use crate::message::Direction;
use crate::view::{MessageView, Object};

impl Layout {
    /// Decodes a whole frame of the given direction into typed values borrowed from the frame
    /// and the layout; [`MessageView::into_message`] gives what [`Layout::decode`] gives.
    pub fn decode_view<'v>(
        &'v self,
        direction: Direction,
        frame: &'v [u8],
    ) -> Result<MessageView<'v>, DecodeError> {
        self.codec(direction)
            .decode_view(frame)
            .map(|(_, view)| view)
    }

    /// [`Layout::decode_view`] that also says which message the frame is.
    pub fn decode_view_selected<'v>(
        &'v self,
        direction: Direction,
        frame: &'v [u8],
    ) -> Result<(&'v MessageLayout, MessageView<'v>), DecodeError> {
        self.codec(direction).decode_view(frame)
    }

    /// [`Layout::decode_as`] into typed values.
    pub fn decode_view_as<'v>(
        &'v self,
        direction: Direction,
        selected: &'v MessageLayout,
        frame: &'v [u8],
    ) -> Result<MessageView<'v>, DecodeError> {
        self.codec(direction).decode_view_as(selected, frame)
    }

    /// Decodes `frame` as `selected` beside `other`, a frame of the same direction that decoded
    /// as `selected` without error and whose header is `other_header`. When both frames have
    /// the same bytes after the header and their headers choose the same body fields (a result
    /// code can choose the error body), the body reads exactly as `other`'s: then only the
    /// header is decoded ([`BesideView::Header`]). Errors are [`Layout::decode_view_as`]'s.
    ///
    /// Two answers to one request usually differ in the header only (a timestamp): comparing
    /// them need not decode the same body twice.
    pub fn decode_view_beside<'v>(
        &'v self,
        direction: Direction,
        selected: &'v MessageLayout,
        frame: &'v [u8],
        other: &[u8],
        other_header: &Object<'_>,
    ) -> Result<BesideView<'v>, DecodeError> {
        let codec = self.codec(direction);
        self.check_length(frame)?;
        let mut reader = Reader::new(self, frame);
        let header = read_header(&mut reader, self.header_of(selected))?;
        let body = reader.position();
        let same_bytes = frame.len() == other.len() && frame[body..] == other[body..];
        if same_bytes
            && std::ptr::eq(
                self.body_fields_view(selected, direction, &header),
                self.body_fields_view(selected, direction, other_header),
            )
        {
            return Ok(BesideView::Header(header));
        }
        codec
            .read_body(reader, selected, header)
            .map(BesideView::Whole)
    }

    /// Only the main header of a frame, as typed values ([`Layout::decode_header`] before its
    /// conversion to JSON). A layout without a main header gives an empty object.
    pub fn decode_header_view<'v>(&'v self, frame: &'v [u8]) -> Result<Object<'v>, DecodeError> {
        self.check_length(frame)?;
        let mut reader = Reader::new(self, frame);
        read_header(&mut reader, self.main_header())
    }

    /// Only the header of a frame of `selected` (its own header, or the main one), as typed
    /// values: what a gateway echoes into an answer, without decoding the body again.
    pub fn decode_header_view_as<'v>(
        &'v self,
        selected: &'v MessageLayout,
        frame: &'v [u8],
    ) -> Result<Object<'v>, DecodeError> {
        self.check_length(frame)?;
        let mut reader = Reader::new(self, frame);
        read_header(&mut reader, self.header_of(selected))
    }
}

/// A frame decoded beside another ([`Layout::decode_view_beside`]).
#[derive(Debug)]
pub enum BesideView<'f> {
    /// The whole frame: its body differs from the other's.
    Whole(MessageView<'f>),
    /// The header only: the body is the other frame's, byte for byte and field for field.
    Header(Object<'f>),
}

impl<'a> Codec<'a> {
    /// Decodes a whole frame into its message and typed values.
    pub fn decode_view<'f>(
        &self,
        frame: &'f [u8],
    ) -> Result<(&'a MessageLayout, MessageView<'f>), DecodeError>
    where
        'a: 'f,
    {
        let layout = self.layout;
        layout.check_length(frame)?;
        let (index, read) = self.select_frame(frame)?;
        let message = &layout.messages[index];
        let (reader, header) = match read {
            Some(read) if message.header == layout.main => read,
            _ => {
                let mut reader = Reader::new(layout, frame);
                let header = read_header(&mut reader, layout.header_of(message))?;
                (reader, header)
            }
        };
        self.read_body(reader, message, header)
            .map(|view| (message, view))
    }

    /// Decodes a whole frame as `selected` into typed values, whatever its length or key says.
    pub fn decode_view_as<'f>(
        &self,
        selected: &'a MessageLayout,
        frame: &'f [u8],
    ) -> Result<MessageView<'f>, DecodeError>
    where
        'a: 'f,
    {
        let layout = self.layout;
        layout.check_length(frame)?;
        let mut reader = Reader::new(layout, frame);
        let header = read_header(&mut reader, layout.header_of(selected))?;
        self.read_body(reader, selected, header)
    }

    /// Reads the body after the header and checks nothing is left.
    fn read_body<'f>(
        &self,
        mut reader: Reader<'f>,
        message: &'a MessageLayout,
        header: Object<'f>,
    ) -> Result<MessageView<'f>, DecodeError>
    where
        'a: 'f,
    {
        let layout = self.layout;
        let fields = layout.body_fields_view(message, self.direction, &header);
        let mut body = Object::with_capacity(fields.len());
        reader.path.key(layout.body_key());
        reader.fields(fields, &mut body)?;
        reader.finish()?;
        Ok(MessageView { header, body })
    }
}
