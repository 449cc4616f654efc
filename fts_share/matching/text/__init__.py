"""Text: names as characters: normalisation (``normalize``), the scripts' readings
(``arabic``, ``latin``) and the bridge into one key space (``forms``, ``bridge``)."""
