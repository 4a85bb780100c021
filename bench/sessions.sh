# Users and sessions for the benchmark scripts (bench/run.sh, bench/capacity.sh), sourced by them.
# They read the caller's $api_port, $origin (the allowed Origin for POSTs), $password, $work and die().

post_json() { # path json → response headers
  curl -sS -D - -o /dev/null -H 'Content-Type: application/json' -H "Origin: $origin" \
    --data-binary "$2" "http://127.0.0.1:$api_port$1"
}

# Registers <count> users with fresh names and writes the names to $work/users, one per line.
seed_users() { # count
  : >"$work/users"
  for i in $(seq 1 "$1"); do
    local name="bench-$i-$RANDOM$RANDOM"
    post_json /auth/register "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"$password\"}" | head -n 1 | grep -q ' 201' \
      || die "could not register $name"
    echo "$name" >>"$work/users"
  done
}

# Signs in as the first <count> seeded users and writes each session's <cookie> ("name=value") to a
# file, one per line. curl's cookie jar would refuse the __Host-/__Secure- cookies over plain http.
sign_in() { # count cookie-base-name file
  : >"$3"
  head -n "$1" "$work/users" | while read -r name; do
    post_json /auth/login "{\"username\":\"$name\",\"password\":\"$password\"}" | tr -d '\r' \
      | sed -n 's/^[Ss]et-[Cc]ookie: *\([^;]*\).*/\1/p' | grep -E "^(__Host-|__Secure-)?$2=" >>"$3" \
      || die "sign-in as $name gave no $2 cookie"
  done
}
