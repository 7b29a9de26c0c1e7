//! Response bodies read up to a limit. The target under test may answer
//! anything, and a harness that reads whatever it is sent can be made to
//! hold gigabytes by one hostile or broken answer.

/// A body read up to its limit.
pub(crate) struct Capped {
    pub bytes: Vec<u8>,
    /// False when the target offered more than the limit; the rest was
    /// never read (the connection is dropped with the response).
    pub complete: bool,
}

impl Capped {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Reads at most `limit` bytes of `r`'s body.
pub(crate) async fn read(mut r: reqwest::Response, limit: usize) -> Result<Capped, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = r.chunk().await? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Capped {
                bytes,
                complete: false,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Capped {
        bytes,
        complete: true,
    })
}
