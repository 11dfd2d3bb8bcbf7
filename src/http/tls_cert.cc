#include "http/tls_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace stratus::http {
namespace {

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

SelfSigned self_signed(const std::string& common_name, int bits) {
  EVP_PKEY* pkey = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (!pkey) throw std::runtime_error("could not generate an RSA key");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert, pkey);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Stratus"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (!X509_sign(cert, pkey, EVP_sha256())) {
    X509_free(cert);
    EVP_PKEY_free(pkey);
    throw std::runtime_error("could not sign the certificate");
  }
  SelfSigned out;
  BIO* cbio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cbio, cert);
  out.cert_pem = bio_string(cbio);
  BIO_free(cbio);
  X509_free(cert);
  BIO* kbio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kbio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_string(kbio);
  BIO_free(kbio);
  EVP_PKEY_free(pkey);
  return out;
}

}  // namespace stratus::http
