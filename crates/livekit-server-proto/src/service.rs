//! Descriptors of the protocol's public Twirp services (the generated table is `services`).

/// A public Twirp service of the LiveKit protocol, such as `livekit.RoomService`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Service {
    /// The service name as declared in the `.proto` file (`RoomService`).
    pub name: &'static str,
    /// The fully qualified name used in Twirp routes (`livekit.RoomService`).
    pub full_name: &'static str,
    /// Every method of the service, in protocol order.
    pub methods: &'static [&'static Method],
}

/// One RPC of a Twirp service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Method {
    /// The fully qualified service name (`livekit.RoomService`).
    pub service: &'static str,
    /// The method name (`CreateRoom`).
    pub name: &'static str,
    /// The Twirp route below the base URL (`/twirp/livekit.RoomService/CreateRoom`).
    pub path: &'static str,
    /// The fully qualified request message (`livekit.CreateRoomRequest`).
    pub input: &'static str,
    /// The fully qualified response message (`livekit.Room`).
    pub output: &'static str,
    /// Whether the protocol marks the method `deprecated`.
    pub deprecated: bool,
}

impl Service {
    /// Looks a method of this service up by its protocol name (`"CreateRoom"`).
    pub fn method(&self, name: &str) -> Option<&'static Method> {
        self.methods.iter().copied().find(|m| m.name == name)
    }
}
