// Owning handles for the OpenSSL objects the token code makes: each frees its object with the matching
// *_free call, so early returns on a failed OpenSSL call leak nothing.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

namespace synclatch::server::ossl {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept { Free(p); }
};

using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcdsaSignature = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

inline void free_bio(BIO* bio) {
    BIO_free(bio);  // returns an int the deleter has no use for
}
using Bio = std::unique_ptr<BIO, Deleter<BIO, free_bio>>;

// EVP_PKEY is reference counted and, once made, only read: verifying from several threads at once is safe
// (OpenSSL's threading rules), so a shared_ptr to a const key may be handed around freely.
inline std::shared_ptr<EVP_PKEY> share(Pkey key) {
    return std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
}

}  // namespace synclatch::server::ossl
