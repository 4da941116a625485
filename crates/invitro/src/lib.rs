//! preclin-invitro
