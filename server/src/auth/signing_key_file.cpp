// Signing keys: OpenSSL 3 key generation and PEM, POSIX files (the server runs on POSIX systems only).
#include "auth/signing_key_file.hpp"

#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "auth/openssl_handles.hpp"
#include "encoding/base64url.hpp"
#include "synclatch/sync/detail/crypto.hpp"

namespace synclatch::server {

namespace {

Status os_error(const std::string& what, const std::filesystem::path& path, int error) {
    return {Errc::storage, what + " " + path.string() + ": " + std::strerror(error)};
}

class UniqueFd {
  public:
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

// Never asks for a passphrase: OpenSSL's default callback would prompt on the terminal of a server.
int no_passphrase(char*, int, int, void*) {
    return 0;
}

Result<SigningKey> signing_key_of(ossl::Pkey key) {
    if (!EVP_PKEY_is_a(key.get(), "RSA")) return Status{Errc::corrupt, "not an RSA key"};
    auto kid = signing_key_id(*key);
    if (!kid.ok()) return kid.status();
    auto published = JsonWebKey::from_key(*key, std::move(kid).value());
    if (!published.ok()) return Status{Errc::corrupt, published.status().message()};
    return SigningKey{ossl::share(std::move(key)), std::move(published).value()};
}

Result<std::string> to_pem(const EVP_PKEY& key) {
    const ossl::Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return Status{Errc::internal, "cannot write the signing key as PEM"};
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    if (size <= 0 || data == nullptr) return Status{Errc::internal, "cannot write the signing key as PEM"};
    return std::string(data, static_cast<std::size_t>(size));
}

Status write_durably(const std::filesystem::path& path, const std::string& content) {
    ::unlink(path.c_str());  // a temp file left by a crash may have another mode; O_EXCL makes a new one
    const UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) return os_error("cannot create", path, errno);
    for (std::size_t done = 0; done < content.size();) {
        const auto n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error("cannot write", path, errno);
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return os_error("cannot sync", path, errno);
    return {};
}

}  // namespace

Result<std::string> signing_key_id(const evp_pkey_st& key) {
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(&key, &der);
    if (length <= 0) return Status{Errc::internal, "cannot encode the public key"};
    const std::string digest = sync::detail::sha256(
        std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length)));
    OPENSSL_free(der);
    return base64url(digest.substr(0, 8));
}

Result<SigningKey> generate_signing_key() {
    ossl::Pkey key(EVP_RSA_gen(static_cast<unsigned>(kSigningKeyBits)));
    if (!key) return Status{Errc::internal, "cannot generate an RSA key"};
    return signing_key_of(std::move(key));
}

Result<std::optional<SigningKey>> read_signing_key(const std::filesystem::path& path) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::optional<SigningKey>();
        return os_error("cannot open", path, errno);
    }
    std::string text(kMaxSigningKeyFileBytes + 1, '\0');
    std::size_t size = 0;
    while (size < text.size()) {
        const auto n = ::read(fd.get(), text.data() + size, text.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error("cannot read", path, errno);
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    if (size > kMaxSigningKeyFileBytes)
        return Status{Errc::corrupt, path.string() + " is larger than a signing key can be"};
    text.resize(size);

    auto signing_key = signing_key_from_pem(text);
    OPENSSL_cleanse(text.data(), text.size());
    if (!signing_key.ok())
        return Status{Errc::corrupt, path.string() + ": " + signing_key.status().message()};
    return std::optional<SigningKey>(std::move(signing_key).value());
}

Result<SigningKey> signing_key_from_pem(std::string_view pem) {
    if (pem.size() > kMaxSigningKeyFileBytes)
        return Status{Errc::corrupt, "larger than a signing key can be"};
    const ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    ossl::Pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
    if (!key) return Status{Errc::corrupt, "holds no unencrypted PEM private key"};
    return signing_key_of(std::move(key));
}

Result<std::string> signing_key_pem(const SigningKey& key) {
    return to_pem(*key.private_key);
}

Result<SigningKey> read_or_create_signing_key(const std::filesystem::path& path) {
    auto existing = read_signing_key(path);  // the usual case, no lock: rename makes the file appear whole
    if (!existing.ok()) return existing.status();
    if (*existing) return std::move(**existing);

    // First start: one writer at a time. flock() locks an open file description, so it excludes other
    // threads of this process (each opens its own) as well as other processes.
    const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
    const UniqueFd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return os_error("cannot open", folder, errno);
    while (::flock(dir.get(), LOCK_EX) != 0) {
        if (errno != EINTR) return os_error("cannot lock", folder, errno);
    }
    existing = read_signing_key(path);  // another writer may have finished while we waited
    if (!existing.ok()) return existing.status();
    if (*existing) return std::move(**existing);

    auto made = generate_signing_key();
    if (!made.ok()) return made.status();
    auto pem = to_pem(*made->private_key);
    if (!pem.ok()) return pem.status();
    std::filesystem::path temp = path;
    temp += ".tmp";
    const Status written = write_durably(temp, *pem);
    OPENSSL_cleanse(pem->data(), pem->size());
    if (!written.ok()) return written;
    if (::rename(temp.c_str(), path.c_str()) != 0) return os_error("cannot rename to", path, errno);
    if (::fsync(dir.get()) != 0) return os_error("cannot sync", folder, errno);
    return made;  // the lock is released when dir closes
}

}  // namespace synclatch::server
