// Payload: the bytes of one message, shared rather than copied.
//
// A Transport carries requests as Payloads. A small message is one string,
// moved in; a large one may be pieces that live elsewhere: the header of an
// object manager's chunk followed by a view of the object in the store, or
// the buffers gRPC received a message in. Copying a Payload copies no
// bytes, so a transport may keep one to send again (RedialTransport) or
// deliver it twice (a duplicated message), and a receiver may read a
// large field where it arrived.
//
//   Payload small = request.SerializeAsString();       // one piece
//   Payload chunk({Bytes(std::move(header)), object.data});
//   for (const Bytes& piece : chunk.pieces()) Send(piece.view());
//   Payload data = chunk.Slice(header_size, object.data.size());
//   std::string flat = chunk.Flatten();                 // one copy
//
// Immutable; safe to share across threads once made.
#ifndef MINIRAY_RUNTIME_PAYLOAD_H_
#define MINIRAY_RUNTIME_PAYLOAD_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "src/common/bytes.h"

namespace miniray {

class Payload {
 public:
  Payload() = default;
  // Implicit, so that a serialized message can be sent as it is.
  Payload(std::string bytes);      // NOLINT(google-explicit-constructor)
  Payload(const char* bytes);      // NOLINT(google-explicit-constructor)
  // The pieces, one after another. Empty (or null) pieces are left out.
  explicit Payload(std::vector<Bytes> pieces);
  // `bytes`, not copied and not owned: the caller keeps them alive for as
  // long as the Payload (and any copy or slice of it) is used.
  static Payload Borrowed(absl::string_view bytes);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The pieces, in order; none is empty.
  absl::Span<const Bytes> pieces() const { return pieces_; }

  // Bytes [offset, offset + size) as a Payload sharing these pieces,
  // clamped to the end.
  Payload Slice(size_t offset, size_t size) const;
  // All the bytes in one string (a copy).
  std::string Flatten() const;
  // Appends all the bytes to `out` (a copy).
  void AppendTo(std::string& out) const;

 private:
  void Add(Bytes piece);

  absl::InlinedVector<Bytes, 1> pieces_;
  size_t size_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_PAYLOAD_H_
