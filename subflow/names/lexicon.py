"""English words the name stages need to know: titles before a name, roles that are not names, and which
words are common enough that a name must not replace them."""

from __future__ import annotations

from pathlib import Path

from subflow.io import read_json

# Words before a name that a film drops or keeps: "Professor Stephen Miles" is also "Stephen Miles".
HONORIFICS = frozenset(
    """
    mr mrs ms miss mx dr doctor prof professor sir dame lady lord captain capt colonel col general gen major
    lieutenant lt sergeant sgt officer detective det agent inspector chief judge father sister brother uncle
    aunt king queen prince princess count countess baron duke saint st
    """.split()
)
# A character whose last word is one of these is a role ("Flight Attendant", "Cobb's Father"), not a name.
ROLE_NOUNS = frozenset(
    """
    man men woman women boy girl kid child children baby teenager teen guard attendant driver lawyer attorney
    waiter waitress bartender officer clerk nurse pilot soldier cop policeman policewoman reporter journalist
    passenger businessman businesswoman guest student teacher mother father mom dad wife husband son daughter
    friend assistant secretary receptionist technician scientist thug henchman gunman bodyguard security worker
    dancer singer customer patient prisoner inmate stranger neighbor neighbour operator announcer anchor host
    vendor shopkeeper owner manager chef cook maid butler priest bride groom crowd people voice voices narrator
    self himself herself themselves extra extras member fan spectator blonde brunette resident tourist citizen
    villager farmer fisherman sailor doorman cashier salesman saleswoman photographer bystander onlooker
    partygoer dancers uncredited cameo various additional unknown victim survivor witness crew guy guys gal dude
    lady gentleman con cons double stand-in stunt
    """.split()
)
# "Old Cobb", "Young Mal": another age of a character already listed, not a new name.
VARIANT_MODIFIERS = frozenset(
    "old older young younger little teen teenage elderly adult baby child dead future".split()
)
# After one of these a capitalised common word is a thing, not a name: "the Mall", "a Fisher".
DETERMINERS = frozenset(
    "the a an this that these those my your his her its our their some any every each no another which what".split()
)


def common_words(tokenizer_json: str | Path | None) -> frozenset[str]:
    """Lowercase whole words of a Whisper (GPT-2 BPE) vocabulary: ``Ġmall`` → "mall". A word has its
    own token only when it is frequent in English text, which is what "common word" means here."""
    if not tokenizer_json or not Path(tokenizer_json).exists():
        return frozenset()
    vocab = read_json(tokenizer_json)["model"]["vocab"]
    return frozenset(t[1:] for t in vocab if t.startswith("Ġ") and t[1:].isalpha() and t[1:].islower())
