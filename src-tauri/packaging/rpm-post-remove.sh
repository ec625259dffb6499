# $1 is how many copies of the package remain: 0 when it is removed, 1 after an upgrade.
if [ "$1" = 0 ]; then rm -f /usr/bin/baton; fi
