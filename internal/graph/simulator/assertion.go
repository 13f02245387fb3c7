package simulator

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t (RS256 assertions) is defined as the SHA-1 thumbprint.
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// assertionFailure is an AADSTS error to answer for a rejected client assertion.
type assertionFailure struct {
	status      int
	errorName   string
	code        int
	description string
}

func invalidClient(code int, description string) *assertionFailure {
	return &assertionFailure{status: http.StatusUnauthorized, errorName: "invalid_client", code: code, description: description}
}

type jwtHeader struct {
	Alg       string `json:"alg"`
	X5t       string `json:"x5t"`
	X5tS256   string `json:"x5t#S256"`
	KeyID     string `json:"kid"`
	TokenType string `json:"typ"`
}

type jwtClaims struct {
	Issuer    string          `json:"iss"`
	Subject   string          `json:"sub"`
	Audience  json.RawMessage `json:"aud"`
	ExpiresAt *json.Number    `json:"exp"`
	NotBefore *json.Number    `json:"nbf"`
}

// audiences decodes "aud", which JWTs may carry as a string or an array.
func (c jwtClaims) audiences() []string {
	var one string
	if err := json.Unmarshal(c.Audience, &one); err == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Audience, &many)
	return many
}

type parsedJWT struct {
	header       jwtHeader
	claims       jwtClaims
	signingInput string
	signature    []byte
}

func parseJWT(token string) (*parsedJWT, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("the assertion is not a JWS compact serialization")
	}
	headerJSON, err := decodeSegment(parts[0])
	if err != nil {
		return nil, fmt.Errorf("decode header: %w", err)
	}
	claimsJSON, err := decodeSegment(parts[1])
	if err != nil {
		return nil, fmt.Errorf("decode claims: %w", err)
	}
	signature, err := decodeSegment(parts[2])
	if err != nil {
		return nil, fmt.Errorf("decode signature: %w", err)
	}
	jwt := &parsedJWT{signingInput: parts[0] + "." + parts[1], signature: signature}
	if err := json.Unmarshal(headerJSON, &jwt.header); err != nil {
		return nil, fmt.Errorf("parse header: %w", err)
	}
	decoder := json.NewDecoder(bytes.NewReader(claimsJSON))
	decoder.UseNumber()
	if err := decoder.Decode(&jwt.claims); err != nil {
		return nil, fmt.Errorf("parse claims: %w", err)
	}
	return jwt, nil
}

// decodeSegment accepts base64url with or without padding, and standard base64, which
// MSAL uses for the thumbprint header values.
func decodeSegment(segment string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(segment); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("invalid base64")
}

// verifyClientAssertion accepts a certificate assertion (iss = sub = client id, signed by a
// registered certificate's key) or a federated one (iss/sub/aud of a registered federated
// identity credential). It returns nil on success.
func (s *Simulator) verifyClientAssertion(reg *clientRegistration, assertion, tokenEndpoint string) *assertionFailure {
	jwt, err := parseJWT(assertion)
	if err != nil {
		return &assertionFailure{status: http.StatusBadRequest, errorName: "invalid_request", code: 50027, description: "JWT token is invalid or malformed: " + err.Error()}
	}
	if failure := s.checkLifetime(jwt.claims); failure != nil {
		return failure
	}
	if strings.EqualFold(jwt.claims.Issuer, reg.clientID) && strings.EqualFold(jwt.claims.Subject, reg.clientID) {
		return verifyCertificateAssertion(reg, jwt, tokenEndpoint)
	}
	return verifyFederatedAssertion(reg, jwt)
}

func (s *Simulator) checkLifetime(claims jwtClaims) *assertionFailure {
	now := s.now().Unix()
	const skew = 300 // seconds; Entra tolerates five minutes of clock skew.
	outOfRange := invalidClient(700024, "Client assertion is not within its valid time range.")
	if claims.ExpiresAt == nil {
		return invalidClient(700024, "Client assertion contains no expiry ('exp') claim.")
	}
	if exp, err := claims.ExpiresAt.Int64(); err != nil || exp+skew < now {
		return outOfRange
	}
	if claims.NotBefore != nil {
		if nbf, err := claims.NotBefore.Int64(); err != nil || nbf-skew > now {
			return outOfRange
		}
	}
	return nil
}

func verifyCertificateAssertion(reg *clientRegistration, jwt *parsedJWT, tokenEndpoint string) *assertionFailure {
	if !containsFold(jwt.claims.audiences(), tokenEndpoint) {
		return invalidClient(700027, fmt.Sprintf("Client assertion failed signature validation. The audience claim must be '%s'.", tokenEndpoint))
	}
	cert := findCertificate(reg.certificates, jwt.header)
	if cert == nil {
		return invalidClient(700027, fmt.Sprintf(
			"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s'].", thumbprintHeader(jwt.header)))
	}
	if err := verifySignature(cert, jwt); err != nil {
		return invalidClient(700027, "Client assertion failed signature validation. "+err.Error())
	}
	return nil
}

// verifyFederatedAssertion matches the assertion against the federated identity credentials.
// The signature of the external token (e.g. a Kubernetes service account token) is NOT
// checked: that would need the issuer's OIDC discovery and JWKS, which tests do not run.
// Only issuer, subject, audience and lifetime are enforced, as that is what a controller's
// configuration can get wrong.
func verifyFederatedAssertion(reg *clientRegistration, jwt *parsedJWT) *assertionFailure {
	audiences := jwt.claims.audiences()
	for _, fc := range reg.federated {
		// Entra matches issuer and subject case-sensitively since 2025.
		if fc.Issuer == jwt.claims.Issuer && fc.Subject == jwt.claims.Subject && containsFold(audiences, fc.Audience) {
			return nil
		}
	}
	return &assertionFailure{status: http.StatusBadRequest, errorName: "invalid_request", code: 70021, description: fmt.Sprintf(
		"No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'.",
		jwt.claims.Issuer, jwt.claims.Subject, strings.Join(audiences, ","))}
}

// findCertificate picks the registered certificate named by the x5t#S256 (SHA-256, what
// MSAL sends with PS256) or x5t (SHA-1, RS256) thumbprint header.
func findCertificate(certs []*x509.Certificate, header jwtHeader) *x509.Certificate {
	for _, cert := range certs {
		sum256 := sha256.Sum256(cert.Raw)
		sum1 := sha1.Sum(cert.Raw) //nolint:gosec // thumbprint, not a security boundary.
		if header.X5tS256 != "" {
			if b, err := decodeSegment(header.X5tS256); err == nil && bytes.Equal(b, sum256[:]) {
				return cert
			}
		}
		if header.X5t != "" {
			if b, err := decodeSegment(header.X5t); err == nil && bytes.Equal(b, sum1[:]) {
				return cert
			}
		}
	}
	return nil
}

func thumbprintHeader(h jwtHeader) string {
	if h.X5tS256 != "" {
		return h.X5tS256
	}
	return h.X5t
}

func verifySignature(cert *x509.Certificate, jwt *parsedJWT) error {
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("only RSA certificates are supported")
	}
	digest := sha256.Sum256([]byte(jwt.signingInput))
	switch jwt.header.Alg {
	case "RS256":
		if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], jwt.signature); err != nil {
			return fmt.Errorf("RS256 signature invalid: %w", err)
		}
	case "PS256":
		if err := rsa.VerifyPSS(key, crypto.SHA256, digest[:], jwt.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
			return fmt.Errorf("PS256 signature invalid: %w", err)
		}
	default:
		return fmt.Errorf("unsupported signing algorithm '%s'", jwt.header.Alg)
	}
	return nil
}

func containsFold(list []string, value string) bool {
	for _, v := range list {
		if strings.EqualFold(v, value) {
			return true
		}
	}
	return false
}
