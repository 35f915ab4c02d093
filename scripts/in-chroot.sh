#!/bin/sh
# Runs a command inside a Debian chroot, in a mount namespace of its own (started by `unshare
# --mount`): proc, sys, dev and the project are mounted for this command alone and vanish with
# it, so nothing mounted is left under .cache/ for an `rm -rf` to walk into.
#   in-chroot.sh <chroot dir> <project dir> <working dir> <command> [args...]
set -e
dir=$1
project=$2
cwd=$3
shift 3
mount -t proc proc "$dir/proc"
mount --rbind /sys "$dir/sys"
mount --rbind /dev "$dir/dev"
mkdir -p "$dir$project"
mount --bind "$project" "$dir$project"
# Wine 10 complains on every start without a private runtime directory.
runtime_dir=/run/user/$(id -u)
mkdir -p "$dir$runtime_dir"
chmod 700 "$dir$runtime_dir"
export XDG_RUNTIME_DIR="$runtime_dir"
exec /usr/sbin/chroot "$dir" /bin/sh -c 'cd "$0" && exec "$@"' "$cwd" "$@"
