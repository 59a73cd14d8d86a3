#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `waitwatch serve --web.config.file`, the exporter toolkit's TLS and
# password file, against real clients. Certificates are made here with
# openssl: a CA, a server certificate for 127.0.0.1 and localhost, a client
# certificate of that CA and one of another CA. The exporter, curl, openssl
# and a real Prometheus all run in the test's namespace (loopback only),
# the exporter on 127.0.0.1:10061 there.
# - TLS and a password: the right one gets 200 and a page promtool takes
#   (gzip too), a wrong one, an unknown user or none get 401 with
#   WWW-Authenticate: Basic realm="waitwatch"; plain HTTP to the TLS port
#   gets no answer; a client that only speaks TLS 1.1 is refused (and
#   another server shows that the client does speak it); min_version TLS13
#   refuses a TLS 1.2 client; the live page and its WebSocket (wss, over
#   libmicrohttpd's forwarding of an upgraded TLS connection) take the same
#   password;
# - RequireAndVerifyClientCert: no client certificate, or one of the other
#   CA, fail the handshake (TLS 1.2: curl's handshake error; TLS 1.3 defers
#   the verdict to the first read: no answer); the CA's own one gets 200;
# - basic_auth_users alone: plain HTTP, with a password;
# - each bad file: exit 1, one line on stderr naming the file, nothing
#   listening; no argument: exit 2;
# - Prometheus scrapes over mTLS with basic_auth and tls_config ca_file:
#   the target is up, up == 1; its twin with a wrong password is down (401).
. "$(dirname "$0")/lib.sh"
ww_require curl openssl prometheus promtool htpasswd gzip /usr/bin/python3

ww_ns_main tls
PORT=10061
URL=https://127.0.0.1:$PORT
PKI=$WW_TMP/pki
mkdir -p "$PKI"

inns() {
	ip netns exec "$NS" "$@"
}

# ---- certificates and files ---------------------------------------------------

# key_cert NAME SUBJECT SIGNER EXT: an EC key and a certificate signed by SIGNER's
ossl() {
	openssl "$@" >>"$PKI/openssl.log" 2>&1 || fatal pki "openssl $*: $(tail -3 "$PKI/openssl.log")"
}
new_ca() { # NAME
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=waitwatch test $1" -keyout "$PKI/$1.key" -out "$PKI/$1.crt"
}
new_cert() { # NAME CA EXTENSIONS
	printf '%b' "$3" >"$PKI/$1.ext"
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.csr"
	ossl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.crt" -CAkey "$PKI/$2.key" \
		-CAcreateserial -days 2 -extfile "$PKI/$1.ext" -out "$PKI/$1.crt"
}
new_ca ca
new_ca otherca
new_cert server ca 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
new_cert client ca 'extendedKeyUsage=clientAuth\n'
new_cert stranger otherca 'extendedKeyUsage=clientAuth\n'
pass "certificates made: a CA, server, client, and a client of another CA"

PASSWORD=s3cret-$$
HASH=$(htpasswd -nbBC 6 prom "$PASSWORD" | cut -d: -f2)
[[ $HASH == '$2y$06$'* ]] || fatal htpasswd "no bcrypt hash from htpasswd: '$HASH'"

# conf NAME: the file $WW_TMP/NAME.yml from stdin
conf() {
	cat >"$WW_TMP/$1.yml"
}
# tls_part CERT KEY [LINE...]: a tls_server_config section, LINEs indented below the files
tls_part() {
	printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n' "$1" "$2"
	shift 2
	(($#)) && printf '  %s\n' "$@"
	return 0
}
conf tls <<EOF
# relative names are taken from the file's folder
$(tls_part pki/server.crt "$PKI/server.key")
basic_auth_users:
  prom: $HASH
  other: '\$2y\$06\$abcdefghijklmnopqrstuuJ6b0yOFC5kVdHOXo1v8LzW8VqgqCjJe'
EOF
conf mtls <<EOF
$(tls_part "$PKI/server.crt" "$PKI/server.key" "client_auth_type: RequireAndVerifyClientCert" \
	"client_ca_file: $PKI/ca.crt")
basic_auth_users:
  prom: "$HASH"
EOF
tls_part "$PKI/server.crt" "$PKI/server.key" "min_version: TLS13" | conf tls13
conf plain <<EOF
tls_server_config:
basic_auth_users:
  prom: $HASH
EOF

# ---- the exporter ----------------------------------------------------------------

# start_serve CONFIG: serve in the namespace with --web.config.file
# $WW_TMP/CONFIG.yml, until it listens on 127.0.0.1:PORT (a client
# certificate may be needed for more)
start_serve() {
	# ip netns exec execs: $! is the exporter (a function run with & would be a subshell)
	ip netns exec "$NS" "$WW" serve "${WW_LIVE[@]}" --listen "127.0.0.1:$PORT" -i 1 \
		--netns "$INO" --web.config.file "$WW_TMP/$1.yml" >"$WW_TMP/serve.out" \
		2>"$WW_TMP/serve.err" &
	WW_PID=$!
	ww_bg "$WW_PID"
	wait_for "[ -n \"\$(inns ss -tlnH 'sport = :$PORT')\" ] || ww_gone $WW_PID" 15
	ww_gone "$WW_PID" && fatal "serve-$1" "serve exited: $(head -c 500 "$WW_TMP/serve.err")"
	[ -n "$(inns ss -tlnH "sport = :$PORT")" ] ||
		fatal "serve-$1" "not listening after 15 s: $(head -c 500 "$WW_TMP/serve.err")"
	# the first page is published right after the start
	wait_for "[ \"\$(inns curl -sk -o /dev/null -m 2 -w '%{http_code}' $(cert_opts "$1") \
		-u prom:$PASSWORD $(scheme "$1")://127.0.0.1:$PORT/metrics)\" != 503 ]" 10
}

scheme() { # CONFIG
	if [ "$1" == plain ]; then echo http; else echo https; fi
}
cert_opts() { # CONFIG: a client certificate where it needs one
	[ "$1" == mtls ] && echo --cert "$PKI/client.crt" --key "$PKI/client.key"
}

stop_serve() { # NAME
	ww_stop "$WW_PID" TERM
	assert_eq "$1: serve exits 0 on SIGTERM" 0 "$WW_RC"
}

# code ARGS...: curl's "HTTP-STATUS EXIT-CODE" (000 when nothing answered)
code() {
	inns curl -s -m 5 -o "$WW_TMP/body" -D "$WW_TMP/head" -w '%{http_code}' "$@"
	echo " $?"
}

# header FIELD: the value of a header of the last response (CR removed)
header() {
	awk -v f="$1" 'BEGIN { f = tolower(f) ":" } tolower($1) == f {
		sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); v = $0 } END { print v }' "$WW_TMP/head"
}

CA=(--cacert "$PKI/ca.crt")

# ---- TLS and a password ---------------------------------------------------------

start_serve tls
assert_eq "TLS, right password: /metrics is 200" "200 0" \
	"$(code "${CA[@]}" -u "prom:$PASSWORD" "$URL/metrics")"
if promtool check metrics <"$WW_TMP/body" >"$WW_TMP/promtool.out" 2>&1 &&
	grep -q '^waitwatch_build_info{' "$WW_TMP/body"; then
	pass "TLS: the page is valid exposition text with waitwatch_build_info ($(wc -l <"$WW_TMP/body") lines)"
else
	fail "TLS page" "$(head -c 500 "$WW_TMP/promtool.out") $(head -c 300 "$WW_TMP/body")"
fi
assert_eq "TLS by the name localhost is 200" "200 0" \
	"$(code "${CA[@]}" -u "prom:$PASSWORD" "https://localhost:$PORT/healthz")"
assert_eq "TLS, right password, gzip: 200" "200 0" \
	"$(code "${CA[@]}" -u "prom:$PASSWORD" -H 'Accept-Encoding: gzip' "$URL/metrics")"
assert_eq "TLS, gzip: Content-Encoding: gzip" gzip "$(header Content-Encoding)"
if gzip -dc <"$WW_TMP/body" | grep -q '^waitwatch_build_info{'; then
	pass "TLS, gzip: the body is the page, compressed"
else
	fail "TLS gzip body" "not a gzip page: $(head -c 100 "$WW_TMP/body" | od -c | head -2)"
fi
assert_eq "TLS, wrong password: 401" "401 0" \
	"$(code "${CA[@]}" -u "prom:wrong" "$URL/metrics")"
assert_eq "401 has WWW-Authenticate: Basic realm=\"waitwatch\"" 'Basic realm="waitwatch"' \
	"$(header WWW-Authenticate)"
assert_eq "TLS, another user's name with the password: 401" "401 0" \
	"$(code "${CA[@]}" -u "other:$PASSWORD" "$URL/metrics")"
assert_eq "TLS, unknown user: 401" "401 0" \
	"$(code "${CA[@]}" -u "nobody:$PASSWORD" "$URL/metrics")"
assert_eq "TLS, no password: 401" "401 0" "$(code "${CA[@]}" "$URL/metrics")"
assert_eq "TLS, no password, /healthz: 401" "401 0" "$(code "${CA[@]}" "$URL/healthz")"
assert_eq "TLS, a Bearer token: 401" "401 0" \
	"$(code "${CA[@]}" -H 'Authorization: Bearer x' "$URL/metrics")"
assert_eq "TLS, the right password again (remembered): 200" "200 0" \
	"$(code "${CA[@]}" -u "prom:$PASSWORD" "$URL/metrics")"
# the live page and its WebSocket, behind the same TLS and password
assert_eq "TLS, right password: the page / is 200" "200 0" \
	"$(code "${CA[@]}" -u "prom:$PASSWORD" "$URL/")"
assert_eq "TLS, no password: /api/v1/endpoints is 401" "401 0" \
	"$(code "${CA[@]}" "$URL/api/v1/endpoints")"
WSC=$WW_ROOT/tests/e2e/wsclient.py
assert_eq "wss, right password: the page's socket pushes updates and answers a command" \
	'{"status": 101, "types": ["hello", "update", "view"], "rows_after_filter": 0}' \
	"$(inns timeout 20 /usr/bin/python3 "$WSC" page "wss://127.0.0.1:$PORT/api/v1/ws" \
		"$PKI/ca.crt" "prom:$PASSWORD")"
assert_eq "wss, no password: 401" '{"status": 401}' \
	"$(inns timeout 20 /usr/bin/python3 "$WSC" page "wss://127.0.0.1:$PORT/api/v1/ws" "$PKI/ca.crt")"
assert_eq "wss, wrong password on the stream: 401" '{"status": 401}' \
	"$(inns timeout 20 /usr/bin/python3 "$WSC" page "wss://127.0.0.1:$PORT/api/v1/stream" \
		"$PKI/ca.crt" "prom:wrong")"
r=$(code "http://127.0.0.1:$PORT/metrics")
assert_match "plain HTTP to the TLS port gets no HTTP answer ($r)" '^000 [1-9]' "$r"
r=$(code -u "prom:$PASSWORD" "$URL/metrics")
assert_match "a client that does not trust the CA refuses the server ($r)" '^000 60$' "$r"

# tls_client VERSION [PORT]: openssl s_client speaking only that version
# (security level 0: the client itself would refuse TLS 1.1 otherwise);
# status 0 when a session was made
tls_client() {
	echo | inns timeout 5 openssl s_client -connect "127.0.0.1:${2:-$PORT}" "-$1" \
		-cipher 'DEFAULT:@SECLEVEL=0' -CAfile "$PKI/ca.crt" >"$WW_TMP/s_client.$1" 2>&1 &&
		! grep -q 'Cipher is (NONE)' "$WW_TMP/s_client.$1"
}
if tls_client tls1_1; then
	fail "TLS 1.1 refused" "a TLS 1.1 session: $(grep -E 'Protocol|Cipher' "$WW_TMP/s_client.tls1_1" | head -3)"
else
	pass "a TLS 1.1-only client is refused"
fi
assert_cmd "a TLS 1.2 client is served" tls_client tls1_2
assert_cmd "a TLS 1.3 client is served" tls_client tls1_3
# the same client does speak TLS 1.1 to a server that takes it
OPORT=10062
ip netns exec "$NS" openssl s_server -accept "$OPORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
	-cert "$PKI/server.crt" -key "$PKI/server.key" -www >"$WW_TMP/s_server.log" 2>&1 &
SPID=$!
ww_bg "$SPID"
if wait_for "tls_client tls1_1 $OPORT || ww_gone $SPID" 5 && ! ww_gone "$SPID"; then
	pass "control: that client makes a TLS 1.1 session with openssl s_server"
else
	fail "TLS 1.1 control" "openssl s_server -tls1_1: $(head -c 300 "$WW_TMP/s_server.log")" \
		"$(grep -iE 'error|alert' "$WW_TMP/s_client.tls1_1" | head -2)"
fi
ww_stop "$SPID" TERM
stop_serve tls

start_serve tls13
assert_cmd "min_version TLS13: a TLS 1.3 client is served" tls_client tls1_3
if tls_client tls1_2; then
	fail "min_version TLS13" "a TLS 1.2 session was made"
else
	pass "min_version TLS13: a TLS 1.2 client is refused"
fi
assert_eq "min_version TLS13, no passwords in the file: 200 without one" "200 0" \
	"$(code "${CA[@]}" "$URL/metrics")"
stop_serve tls13

# ---- client certificates ------------------------------------------------------------

start_serve mtls
cert() { # NAME: curl's options for that client certificate
	echo --cert "$PKI/$1.crt" --key "$PKI/$1.key"
}
# shellcheck disable=SC2046 # the words of cert
{
	assert_eq "mTLS, the CA's client certificate: 200" "200 0" \
		"$(code "${CA[@]}" $(cert client) -u "prom:$PASSWORD" "$URL/metrics")"
	assert_eq "mTLS, the CA's client certificate, wrong password: 401" "401 0" \
		"$(code "${CA[@]}" $(cert client) -u "prom:x" "$URL/metrics")"
	assert_eq "mTLS, TLS 1.2, no client certificate: the handshake fails" "000 35" \
		"$(code "${CA[@]}" --tls-max 1.2 -u "prom:$PASSWORD" "$URL/metrics")"
	assert_eq "mTLS, TLS 1.2, the other CA's certificate: the handshake fails" "000 35" \
		"$(code "${CA[@]}" --tls-max 1.2 $(cert stranger) -u "prom:$PASSWORD" "$URL/metrics")"
	assert_eq "mTLS, TLS 1.2, the server's certificate (no clientAuth): the handshake fails" \
		"000 35" "$(code "${CA[@]}" --tls-max 1.2 $(cert server) -u "prom:$PASSWORD" "$URL/metrics")"
	r=$(code "${CA[@]}" -u "prom:$PASSWORD" "$URL/metrics")
	assert_match "mTLS, TLS 1.3, no client certificate: no answer ($r)" '^000 [1-9]' "$r"
	r=$(code "${CA[@]}" $(cert stranger) -u "prom:$PASSWORD" "$URL/metrics")
	assert_match "mTLS, TLS 1.3, the other CA's certificate: no answer ($r)" '^000 [1-9]' "$r"
	assert_eq "mTLS, TLS 1.2, the CA's client certificate: 200" "200 0" \
		"$(code "${CA[@]}" --tls-max 1.2 $(cert client) -u "prom:$PASSWORD" "$URL/metrics")"
}

# ---- Prometheus over mTLS with basic_auth ----------------------------------------------

PPORT=9090
mkdir -p "$WW_TMP/tsdb"
# tls_job NAME PASSWORD TARGET: a scrape job over mTLS with basic_auth
tls_job() {
	cat <<EOF
  - job_name: $1
    scheme: https
    tls_config:
      ca_file: $PKI/ca.crt
      cert_file: $PKI/client.crt
      key_file: $PKI/client.key
    basic_auth:
      username: prom
      password: $2
    static_configs:
      - targets: ['$3']
EOF
}
{
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n'
	tls_job waitwatch_tls "$PASSWORD" "127.0.0.1:$PORT"
	tls_job waitwatch_wrong_password "not-$PASSWORD" "localhost:$PORT"
} >"$WW_TMP/prometheus.yml"
promtool check config "$WW_TMP/prometheus.yml" >"$WW_TMP/promtool.out" 2>&1 ||
	fatal prometheus "promtool rejects the test's configuration: $(head -c 300 "$WW_TMP/promtool.out")"
ip netns exec "$NS" prometheus --config.file="$WW_TMP/prometheus.yml" --storage.tsdb.path="$WW_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$WW_TMP/prometheus.log" 2>&1 &
PROM_PID=$!
ww_bg "$PROM_PID"
PURL=http://127.0.0.1:$PPORT
wait_for "[ \"\$(inns curl -s -o /dev/null -m 2 -w '%{http_code}' $PURL/-/ready)\" == 200 ] ||
	ww_gone $PROM_PID" 20
[ "$(inns curl -s -o /dev/null -m 2 -w '%{http_code}' "$PURL/-/ready")" == 200 ] ||
	fatal prometheus "not ready after 20 s: $(tail -c 600 "$WW_TMP/prometheus.log")"

health() { # JOB: "health lastError" of its target
	inns curl -s -m 3 "$PURL/api/v1/targets" |
		jq -r --arg j "$1" '.data.activeTargets[] | select(.labels.job == $j) |
			"\(.health) \(.lastError)"'
}
if wait_for "[ \"\$(health waitwatch_tls)\" == 'up ' ]" 20; then
	pass "Prometheus scrapes over mTLS with basic_auth: target up"
else
	fail "Prometheus target up" "$(health waitwatch_tls)"
fi
up=$(inns curl -s -m 3 -G --data-urlencode 'query=up{job="waitwatch_tls"}' "$PURL/api/v1/query" |
	jq -r '.data.result[0].value[1] // "none"')
assert_eq "up{job=\"waitwatch_tls\"} is 1" 1 "$up"
if wait_for "[[ \"\$(health waitwatch_wrong_password)\" == down*401* ]]" 10; then
	pass "Prometheus with a wrong password: target down, 401 ($(health waitwatch_wrong_password))"
else
	fail "Prometheus wrong password" "$(health waitwatch_wrong_password)"
fi
ww_stop "$PROM_PID" TERM
stop_serve mtls

# ---- a password without TLS ------------------------------------------------------------

start_serve plain
PLAIN=http://127.0.0.1:$PORT
assert_eq "no TLS, right password: 200" "200 0" "$(code -u "prom:$PASSWORD" "$PLAIN/metrics")"
assert_eq "no TLS, no password: 401" "401 0" "$(code "$PLAIN/metrics")"
assert_eq "no TLS, wrong password: 401" "401 0" "$(code -u "prom:no" "$PLAIN/metrics")"
stop_serve plain

# ---- files that cannot be applied --------------------------------------------------------

# refused NAME WORD: serve with $WW_TMP/NAME.yml exits 1 within 10 s, one
# line on stderr naming the file and holding WORD, and never listened
refused() {
	local f=$WW_TMP/$1.yml lines
	inns timeout -k 2 10 "$WW" serve "${WW_LIVE[@]}" --listen "127.0.0.1:$PORT" \
		--netns "$INO" --web.config.file "$f" >"$WW_TMP/bad.out" 2>"$WW_TMP/bad.err" </dev/null
	local rc=$?
	lines=$(wc -l <"$WW_TMP/bad.err")
	if [ "$rc" -ne 1 ]; then
		fail "bad file $1" "exit $rc, expected 1: $(head -c 300 "$WW_TMP/bad.err")"
	elif [ "$lines" -ne 1 ] || [ -s "$WW_TMP/bad.out" ]; then
		fail "bad file $1" "$lines lines on stderr, expected 1: $(head -c 300 "$WW_TMP/bad.err")"
	elif ! grep -q "^waitwatch: --web.config.file $f: .*$2" "$WW_TMP/bad.err"; then
		fail "bad file $1" "'$(cat "$WW_TMP/bad.err")' does not name the file and '$2'"
	else
		pass "bad file $1: exit 1, $(cat "$WW_TMP/bad.err")"
	fi
}
conf unknown <<<$'basic_auth_users:\n  prom: '"$HASH"$'\ntls_config:\n  cert_file: x\n'
refused unknown "line 3: unknown key 'tls_config'"
conf malformed <<<$'tls_server_config:\n  cert_file: [a\n'
refused malformed "line 4: malformed YAML: .* (while parsing a flow sequence that starts on line 2)"
conf nokey <<<$'tls_server_config:\n  cert_file: '"$PKI"$'/server.crt\n'
refused nokey "cert_file but no key_file"
conf nocert <<<$'tls_server_config:\n  key_file: '"$PKI"$'/server.key\n'
refused nocert "key_file but no cert_file"
conf nofile <<<$'tls_server_config:\n  cert_file: '"$PKI"$'/none.crt\n  key_file: '"$PKI"$'/server.key\n'
refused nofile "cert_file $PKI/none.crt: No such file or directory"
# root reads a file of mode 000: what cannot be read here is a folder
conf unreadable <<<$'tls_server_config:\n  cert_file: '"$PKI"$'/server.crt\n  key_file: '"$PKI"$'\n'
refused unreadable "key_file $PKI: a folder, not a file"
conf mismatch <<<$'tls_server_config:\n  cert_file: '"$PKI"$'/server.crt\n  key_file: '"$PKI"$'/client.key\n'
refused mismatch "cert_file $PKI/server.crt and key_file $PKI/client.key"
conf badca <<<$'tls_server_config:\n  cert_file: '"$PKI"$'/server.crt\n  key_file: '"$PKI"$'/server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: '"$PKI"$'/server.csr\n'
refused badca "client_ca_file $PKI/server.csr"
conf plaintext <<<$'basic_auth_users:\n  prom: s3cret\n'
refused plaintext "line 2: basic_auth_users: the password of 'prom' is not a bcrypt hash"
conf weak <<<$'tls_server_config:\n  cert_file: '"$PKI"$'/server.crt\n  key_file: '"$PKI"$'/server.key\n  min_version: TLS11\n'
refused weak "line 4: min_version TLS11 is refused as weak"
: >"$WW_TMP/empty.yml"
refused empty "the file is empty"
conf http2 <<<$'basic_auth_users:\n  prom: '"$HASH"$'\nhttp_server_config:\n  http2: true\n'
refused http2 "line 4: http_server_config: http2 is not supported"
conf headers <<<$'basic_auth_users:\n  prom: '"$HASH"$'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n'
refused headers "line 4: http_server_config: headers are not supported"
refused absent "No such file or directory"
if inns curl -s -o /dev/null -m 1 "http://127.0.0.1:$PORT/"; then
	fail "bad files" "something answers on 127.0.0.1:$PORT after the refused starts"
else
	pass "after every refused file nothing listens on 127.0.0.1:$PORT"
fi
timeout 10 "$WW" serve --web.config.file >"$WW_TMP/bad.out" 2>"$WW_TMP/bad.err" </dev/null
rc=$?
assert_eq "--web.config.file without a value: exit 2, one line" "2 1" \
	"$rc $(wc -l <"$WW_TMP/bad.err")"
