"""Typed results (:mod:`.result`), their files (:mod:`.io`, :mod:`.schema`) and tables (:mod:`.report`)."""
