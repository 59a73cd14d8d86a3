source "$(dirname "$0")/lib.sh"
ww_ns_new leak
sleep 30 & ww_bg $!
ip netns exec $WW_NS sleep 60 &
trap - EXIT
kill -KILL $$
