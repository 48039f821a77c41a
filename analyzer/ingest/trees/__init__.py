"""Trees: sets of member paths that belong together - a copied proc tree
(``PID/smaps`` beside ``cmdline``, ``status``), a sosreport, an smemcap capture -
recognised by their paths and assembled into processes and hosts."""
