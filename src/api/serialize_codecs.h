// The codecs behind miniray::Serialize and Deserialize: one Codec<T>
// specialization per supported type, implementing the wire format documented
// in serialize.h. Include serialize.h rather than this file.
//
//   std::string bytes;
//   ArchiveWriter writer(&bytes);
//   serialize_internal::Codec<std::vector<int32_t>>::Write(writer, {1, 2});
//
// Every Codec<T> has:
//   kMinBytes  the fewest bytes any T encodes to (0 when unknown, as for user
//              structs); bounds how many elements a declared count may claim.
//   Name()     T's name for error messages.
//   Write(ArchiveWriter&, const T&) and Read(ArchiveReader&, T&). Read leaves
//              T unspecified when the reader fails.
#ifndef MINIRAY_API_SERIALIZE_CODECS_H_
#define MINIRAY_API_SERIALIZE_CODECS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "src/api/serialize_archive.h"

namespace miniray {
namespace serialize_internal {

#if defined(ABSL_IS_LITTLE_ENDIAN)
inline constexpr bool kLittleEndian = true;
#else
inline constexpr bool kLittleEndian = false;
#endif

template <typename T>
inline constexpr bool kAlwaysFalse = false;

// Numbers whose encoding is their own bytes in little-endian order: integers
// of 1, 2, 4 or 8 bytes other than bool, and IEEE-754 float and double.
template <typename T>
inline constexpr bool kIsFixedWidthNumber =
    !std::is_same_v<T, bool> &&
    ((std::is_integral_v<T> &&
      (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8)) ||
     (std::is_floating_point_v<T> && std::numeric_limits<T>::is_iec559 &&
      (sizeof(T) == 4 || sizeof(T) == 8)));

template <size_t kBytes>
struct UintOfSize;
template <>
struct UintOfSize<1> {
  using Type = uint8_t;
};
template <>
struct UintOfSize<2> {
  using Type = uint16_t;
};
template <>
struct UintOfSize<4> {
  using Type = uint32_t;
};
template <>
struct UintOfSize<8> {
  using Type = uint64_t;
};

// Copies a fixed-width number to and from its little-endian bytes. Byte
// shifts keep the format the same on big-endian hosts.
template <typename T>
void StoreLittleEndian(T value, char* out) {
  if constexpr (kLittleEndian) {
    std::memcpy(out, &value, sizeof(T));
  } else {
    typename UintOfSize<sizeof(T)>::Type bits;
    std::memcpy(&bits, &value, sizeof(T));
    for (size_t i = 0; i < sizeof(T); ++i) {
      out[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
    }
  }
}
template <typename T>
T LoadLittleEndian(const char* in) {
  T value;
  if constexpr (kLittleEndian) {
    std::memcpy(&value, in, sizeof(T));
  } else {
    using Bits = typename UintOfSize<sizeof(T)>::Type;
    Bits bits = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      bits |= static_cast<Bits>(static_cast<Bits>(static_cast<uint8_t>(in[i]))
                                << (8 * i));
    }
    std::memcpy(&value, &bits, sizeof(T));
  }
  return value;
}

// Types with no Codec specialization land here.
template <typename T, typename Enable>
struct Codec {
  static_assert(kAlwaysFalse<T>,
                "miniray::Serialize: unsupported type. Supported: bool, "
                "integers, float, double, std::string (absl::string_view "
                "as a task parameter), std::vector, "
                "std::pair, std::tuple, std::map, std::optional, and structs "
                "with a member `template <typename Archive> void "
                "Serialize(Archive& ar) { ar(field1, field2); }`.");
};

template <typename T>
struct Codec<T, std::enable_if_t<kIsFixedWidthNumber<T>>> {
  static constexpr size_t kMinBytes = sizeof(T);
  static std::string Name() {
    if constexpr (std::is_same_v<T, char>) return "char";
    if constexpr (std::is_floating_point_v<T>) {
      return sizeof(T) == 4 ? "float" : "double";
    }
    return absl::StrCat(std::is_signed_v<T> ? "int" : "uint", 8 * sizeof(T));
  }
  static void Write(ArchiveWriter& writer, T value) {
    char bytes[sizeof(T)];
    StoreLittleEndian(value, bytes);
    writer.AppendBytes(bytes, sizeof(T));
  }
  static void Read(ArchiveReader& reader, T& value) {
    const char* bytes;
    if (!reader.Take(sizeof(T), &bytes)) {
      reader.Fail(absl::StrCat("bytes end early reading ", Name()));
      return;
    }
    value = LoadLittleEndian<T>(bytes);
  }
};

template <>
struct Codec<bool> {
  static constexpr size_t kMinBytes = 1;
  static std::string Name() { return "bool"; }
  static void Write(ArchiveWriter& writer, bool value) {
    const char byte = value ? 1 : 0;
    writer.AppendBytes(&byte, 1);
  }
  static void Read(ArchiveReader& reader, bool& value) {
    uint8_t byte = 0;
    Codec<uint8_t>::Read(reader, byte);
    if (!reader.ok()) return;
    if (byte > 1) {
      reader.Fail(absl::StrCat("invalid bool byte ", byte));
      return;
    }
    value = byte == 1;
  }
};

// Reads the element count of a `Container` whose elements encode to at least
// `min_element_bytes` each, and fails unless that many bytes remain. This
// check is what keeps a hostile count from reserving unbounded memory.
template <typename Container>
bool ReadCount(ArchiveReader& reader, size_t min_element_bytes,
               uint64_t* count) {
  *count = 0;
  Codec<uint64_t>::Read(reader, *count);
  if (!reader.ok()) return false;
  if (min_element_bytes > 0 &&
      *count > reader.remaining() / min_element_bytes) {
    reader.Fail(absl::StrCat("bytes end early: declared length ", *count,
                             " of ", Codec<Container>::Name(), " exceeds the ",
                             reader.remaining(), " bytes remaining"));
    return false;
  }
  return true;
}

template <typename Container>
void WriteCount(ArchiveWriter& writer, const Container& container) {
  Codec<uint64_t>::Write(writer, static_cast<uint64_t>(container.size()));
}

// Reads up to `count` elements of type T and hands each to `add`, stopping
// at the first failure. Elements that consume no bytes are capped at
// kMaxEmptyElements, since the input size does not bound them.
template <typename T, typename Add>
void ReadElements(ArchiveReader& reader, uint64_t count, Add add) {
  uint64_t empty_elements = 0;
  for (uint64_t i = 0; i < count && reader.ok(); ++i) {
    const size_t start = reader.position();
    T element{};
    Codec<T>::Read(reader, element);
    if (!reader.ok()) return;
    if (reader.position() == start && ++empty_elements > kMaxEmptyElements) {
      reader.Fail(absl::StrCat("more than ", kMaxEmptyElements, " ",
                               Codec<T>::Name(), " elements of zero bytes"));
      return;
    }
    add(std::move(element));
  }
}

template <>
struct Codec<std::string> {
  static constexpr size_t kMinBytes = 8;
  static std::string Name() { return "string"; }
  static void Write(ArchiveWriter& writer, const std::string& value) {
    WriteCount(writer, value);
    writer.AppendBytes(value.data(), value.size());
  }
  static void Read(ArchiveReader& reader, std::string& value) {
    uint64_t size;
    const char* bytes;
    if (!ReadCount<std::string>(reader, 1, &size)) return;
    if (!reader.Take(size, &bytes)) return;  // Unreachable: size was checked.
    value.assign(bytes, size);
  }
};

// A view of a string's bytes where they lie, for task and actor method
// parameters only: no copy of a large argument (its object is mapped from
// the store, and the view is valid while the task runs). Written as a
// std::string, so a task taking one accepts an ObjectRef<std::string>. An
// ObjectRef<absl::string_view> does not compile: a view cannot outlive its
// bytes.
template <>
struct Codec<absl::string_view> {
  static constexpr size_t kMinBytes = 8;
  static std::string Name() { return "string"; }
  static void Write(ArchiveWriter& writer, absl::string_view value) {
    WriteCount(writer, value);
    writer.AppendBytes(value.data(), value.size());
  }
  static void Read(ArchiveReader& reader, absl::string_view& value) {
    uint64_t size;
    const char* bytes;
    if (!ReadCount<absl::string_view>(reader, 1, &size)) return;
    if (!reader.Take(size, &bytes)) return;  // Unreachable: size was checked.
    value = absl::string_view(bytes, size);
  }
};

template <typename T>
struct Codec<std::vector<T>> {
  // Vectors of numbers are copied as one block on little-endian hosts.
  static constexpr bool kBlockCopy = kLittleEndian && kIsFixedWidthNumber<T>;
  static constexpr size_t kMinBytes = 8;
  static std::string Name() {
    return absl::StrCat("vector<", Codec<T>::Name(), ">");
  }
  static void Write(ArchiveWriter& writer, const std::vector<T>& value) {
    WriteCount(writer, value);
    if constexpr (kBlockCopy) {
      writer.AppendBytes(value.data(), value.size() * sizeof(T));
    } else {
      for (const auto& element : value) Codec<T>::Write(writer, element);
    }
  }
  static void Read(ArchiveReader& reader, std::vector<T>& value) {
    uint64_t count;
    if (!ReadCount<std::vector<T>>(reader, Codec<T>::kMinBytes, &count)) {
      return;
    }
    value.clear();
    if constexpr (kBlockCopy) {
      const char* bytes;
      if (!reader.Take(count * sizeof(T), &bytes)) return;  // Unreachable.
      value.resize(count);
      if (count > 0) std::memcpy(value.data(), bytes, count * sizeof(T));
    } else {
      // Reserving is safe only when ReadCount bounded the count.
      if constexpr (Codec<T>::kMinBytes > 0) value.reserve(count);
      ReadElements<T>(reader, count, [&value](T&& element) {
        value.push_back(std::move(element));
      });
    }
  }
};

template <typename A, typename B>
struct Codec<std::pair<A, B>> {
  static constexpr size_t kMinBytes = Codec<A>::kMinBytes + Codec<B>::kMinBytes;
  static std::string Name() {
    return absl::StrCat("pair<", Codec<A>::Name(), ", ", Codec<B>::Name(), ">");
  }
  static void Write(ArchiveWriter& writer, const std::pair<A, B>& value) {
    Codec<A>::Write(writer, value.first);
    Codec<B>::Write(writer, value.second);
  }
  static void Read(ArchiveReader& reader, std::pair<A, B>& value) {
    Codec<A>::Read(reader, value.first);
    Codec<B>::Read(reader, value.second);
  }
};

template <typename... Ts>
struct Codec<std::tuple<Ts...>> {
  static constexpr size_t kMinBytes = (size_t{0} + ... + Codec<Ts>::kMinBytes);
  static std::string Name() {
    const std::vector<std::string> names = {Codec<Ts>::Name()...};
    return absl::StrCat("tuple<", absl::StrJoin(names, ", "), ">");
  }
  static void Write(ArchiveWriter& writer, const std::tuple<Ts...>& value) {
    std::apply([&writer](const Ts&... elements) { writer(elements...); },
               value);
  }
  static void Read(ArchiveReader& reader, std::tuple<Ts...>& value) {
    std::apply([&reader](Ts&... elements) { reader(elements...); }, value);
  }
};

template <typename K, typename V, typename Compare, typename Allocator>
struct Codec<std::map<K, V, Compare, Allocator>> {
  using Map = std::map<K, V, Compare, Allocator>;
  static constexpr size_t kMinBytes = 8;
  static std::string Name() {
    return absl::StrCat("map<", Codec<K>::Name(), ", ", Codec<V>::Name(), ">");
  }
  static void Write(ArchiveWriter& writer, const Map& value) {
    WriteCount(writer, value);
    for (const auto& [key, mapped] : value) {
      Codec<K>::Write(writer, key);
      Codec<V>::Write(writer, mapped);
    }
  }
  // Accepts only strictly increasing keys, the order Write produces, so that
  // each map has one encoding and duplicates cannot hide data.
  static void Read(ArchiveReader& reader, Map& value) {
    uint64_t count;
    if (!ReadCount<Map>(reader, Codec<std::pair<K, V>>::kMinBytes, &count)) {
      return;
    }
    value.clear();
    ReadElements<std::pair<K, V>>(
        reader, count, [&reader, &value](std::pair<K, V>&& entry) {
          if (!value.empty() &&
              !value.key_comp()(std::prev(value.end())->first, entry.first)) {
            reader.Fail(absl::StrCat("keys of ", Name(),
                                     " are repeated or out of order"));
            return;
          }
          value.emplace_hint(value.end(), std::move(entry));
        });
  }
};

template <typename T>
struct Codec<std::optional<T>> {
  static constexpr size_t kMinBytes = 1;
  static std::string Name() {
    return absl::StrCat("optional<", Codec<T>::Name(), ">");
  }
  static void Write(ArchiveWriter& writer, const std::optional<T>& value) {
    Codec<bool>::Write(writer, value.has_value());
    if (value.has_value()) Codec<T>::Write(writer, *value);
  }
  static void Read(ArchiveReader& reader, std::optional<T>& value) {
    bool present = false;
    Codec<bool>::Read(reader, present);
    if (!reader.ok()) return;
    if (!present) {
      value.reset();
      return;
    }
    T inner{};
    Codec<T>::Read(reader, inner);
    if (reader.ok()) value = std::move(inner);
  }
};

// True for structs with a member `template <typename Archive> void
// Serialize(Archive&)`.
template <typename T, typename = void>
inline constexpr bool kHasSerializeMember = false;
template <typename T>
inline constexpr bool
    kHasSerializeMember<T, std::void_t<decltype(std::declval<T&>().Serialize(
                               std::declval<ArchiveWriter&>()))>> = true;

template <typename T>
struct Codec<T, std::enable_if_t<kHasSerializeMember<T>>> {
  static constexpr size_t kMinBytes = 0;  // Unknown at compile time.
  static std::string Name() { return "struct"; }
  static void Write(ArchiveWriter& writer, const T& value) {
    // One member serves both directions, so it cannot be const; when given
    // an ArchiveWriter it only reads the fields.
    const_cast<T&>(value).Serialize(writer);
  }
  static void Read(ArchiveReader& reader, T& value) {
    if (!reader.EnterStruct()) return;
    value.Serialize(reader);
    reader.LeaveStruct();
  }
};

}  // namespace serialize_internal
}  // namespace miniray

#endif  // MINIRAY_API_SERIALIZE_CODECS_H_
