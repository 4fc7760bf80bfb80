"""The adversarial corpus: personal data as people really type it (glued to letters, split by
invisible or non-breaking characters, look-alike digits, any case and grouping, spelled-out
e-mail addresses), each with the exact text the scrub must give; and text that must survive
(years, amounts, postcodes, dates, ISCO and NIS codes). `sid verify` uses the same detectors."""

from __future__ import annotations

import pandas as pd
import pytest
from stdnum.be import bis, nn

from pipeline.pii import find_pii, number_tag, number_tags, scrub_text

ZW, NBSP, NNBSP, WJ, SHY = "\u200b", "\u00a0", "\u202f", "\u2060", "\u00ad"
RRN = "85073100328"  # valid check digits (born 1985-07-31)
RRN_2000 = "05031724579"  # born 2005: the check is computed with a leading 2
BIS = "85473100119"  # month + 40: a BIS number
assert nn.is_valid(RRN) and nn.is_valid(RRN_2000) and bis.is_valid(BIS)
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

LEAKS = [
    # national register and BIS numbers, every separator style, glued, hidden
    (RRN, "[RRN]"),
    (f"RRN{RRN}", "RRN[RRN]"),
    (f"nr{RRN}", "nr[RRN]"),
    (f"rijksregisternummer:{RRN}!", "rijksregisternummer:[RRN]!"),
    ("85.07.31-003.28", "[RRN]"),
    ("mijn nummer: 85.07.31-003.28.", "mijn nummer: [RRN]."),
    ("85 07 31 003 28", "[RRN]"),
    ("850731-003-28", "[RRN]"),
    ("850731 003 28", "[RRN]"),
    ("85/07/31-003/28", "[RRN]"),
    ("850731 00328", "[RRN]"),
    (f"850731{ZW}00328", "[RRN]"),
    (f"8507{ZW}3100{ZW}328", "[RRN]"),
    (f"850731{WJ}003{SHY}28", "[RRN]"),
    (f"85{NBSP}07{NBSP}31{NBSP}003{NBSP}28", "[RRN]"),
    ("850731\u2011003\u201128", "[RRN]"),  # non-breaking hyphens
    ("850731\u2013003\u201428", "[RRN]"),  # en and em dash
    (RRN.translate(FULLWIDTH), "[RRN]"),
    (f"geboren na 2000: {RRN_2000}", "geboren na 2000: [RRN]"),
    (f"RRN{RRN_2000}x", "RRN[RRN]x"),
    (f"BIS {BIS}", "BIS [BIS]"),
    (f"bis{BIS}", "bis[BIS]"),
    ("85.47.31-001.19", "[BIS]"),
    (f"RRN: {RRN}, GSM 0470123456 en mail x@y.be", "RRN: [RRN], GSM [TEL] en mail [E-MAIL]"),
    # IBAN, any country, case and grouping
    ("BE71 0961 2345 6769", "[IBAN]"),
    ("be71 0961 2345 6769", "[IBAN]"),
    ("BE71-0961-2345-6769", "[IBAN]"),
    ("BE71096123456769", "[IBAN]"),
    ("be71096123456769", "[IBAN]"),
    ("rekening be71 0961 2345 6769 graag", "rekening [IBAN] graag"),
    ("ibanBE71096123456769", "iban[IBAN]"),
    (f"BE71{NBSP}0961{NBSP}2345{NBSP}6769", "[IBAN]"),
    (f"BE71{ZW}0961{ZW}2345{ZW}6769", "[IBAN]"),
    ("BE71.0961.2345.6769", "[IBAN]"),
    ("NL91ABNA0417164300", "[IBAN]"),
    ("nl91 abna 0417 1643 00", "[IBAN]"),
    ("FR14 2004 1010 0505 0001 3M02 606", "[IBAN]"),
    ("DE89370400440532013000", "[IBAN]"),
    ("GB82 WEST 1234 5698 7654 32", "[IBAN]"),
    ("TR33 0006 1005 1978 6457 8413 26", "[IBAN]"),
    ("PL61 1090 1014 0000 0712 1981 2874", "[IBAN]"),
    ("ro49 aaaa 1b31 0075 9384 0000", "[IBAN]"),
    ("stort op LU28 0019 4006 4475 0000.", "stort op [IBAN]."),
    # phone numbers: Belgian and international, prefixes, glued words, hidden separators
    ("0470123456", "[TEL]"),
    ("bel 0470 12 34 56", "bel [TEL]"),
    ("0470/12.34.56", "[TEL]"),
    ("0470-12-34-56", "[TEL]"),
    ("04 70 12 34 56", "[TEL]"),
    ("04.70.12.34.56", "[TEL]"),
    ("+32 470 12 34 56", "[TEL]"),
    ("+32470123456", "[TEL]"),
    ("0032 470 12 34 56", "[TEL]"),
    ("0032470123456", "[TEL]"),
    ("+32 (0)470 12 34 56", "[TEL]"),
    ("gsm0470123456", "gsm[TEL]"),
    ("GSM0470123456", "GSM[TEL]"),
    ("tel0470123456", "tel[TEL]"),
    ("tel:0470123456", "tel:[TEL]"),
    ("tel.+32470123456", "tel.[TEL]"),
    ("gsm: 0470-12-34-56", "gsm: [TEL]"),
    ("mobiel0470123456 na 18u", "mobiel[TEL] na 18u"),
    (f"0470{ZW}12{ZW}34{ZW}56", "[TEL]"),
    (f"0470{NBSP}12{NBSP}34{NBSP}56", "[TEL]"),
    (f"0470{NNBSP}123456", "[TEL]"),
    ("0470\u201312\u201334\u201356", "[TEL]"),
    ("0470123456".translate(FULLWIDTH), "[TEL]"),
    ("bel 09 234 56 78 na 18u", "bel [TEL] na 18u"),
    ("02 728 84 35", "[TEL]"),
    ("bel 0475/26.72.60 of 02 728 84 35", "bel [TEL] of [TEL]"),
    ("in Nederland +31 20 123 4567", "in Nederland [TEL]"),
    ("0031 20 123 4567", "[TEL]"),
    ("in Londen +44 20 7946 0958", "in Londen [TEL]"),
    ("+48 22 123 45 67", "[TEL]"),
    ("+212 6 12 34 56 78", "[TEL]"),
    # e-mail, with +tags, in capitals, spelled out
    ("jan.peeters+sid@telenet.be", "[E-MAIL]"),
    ("mail me: jan.peeters+sid@telenet.be aub", "mail me: [E-MAIL] aub"),
    ("JAN.PEETERS@TELENET.BE", "[E-MAIL]"),
    ("jan [at] telenet [dot] be", "[E-MAIL]"),
    ("naam [at] domein [dot] be", "[E-MAIL]"),
    ("jan(at)telenet.be", "[E-MAIL]"),
    ("jan (at) telenet (punt) be", "[E-MAIL]"),
    ("jan{at}telenet{dot}be", "[E-MAIL]"),
    ("jan [@] telenet.be", "[E-MAIL]"),
    ("naam at domein dot be", "[E-MAIL]"),
    ("schrijf naar jan at gmail dot com aub", "schrijf naar [E-MAIL] aub"),
    ("jan＠telenet.be", "[E-MAIL]"),
    ("ｊａｎ@ｔｅｌｅｎｅｔ.be", "[E-MAIL]"),
    (f"jan{ZW}@telenet.be", "[E-MAIL]"),
    ("jan @ telenet.be", "[E-MAIL]"),
    # web addresses
    ("zie www.voorbeeld.be/pagina of https://example.org/x?y=1", "zie [URL] of [URL]"),
    ("zie www.gent.be.", "zie [URL]."),
    ("HTTPS://WWW.EXAMPLE.BE", "[URL]"),
    ("gent.be/loket", "[URL]"),
    ("facebook.com/jan.peeters", "[URL]"),
    ("mijn profiel: linkedin.com/in/jan-peeters, bedankt", "mijn profiel: [URL], bedankt"),
]

SURVIVE = [
    "1980", "geboren in 1975, aangekomen in 2001", "tussen 1990 en 2001", "2026-03-02", "02/03/2026",
    "2.3.2026", "31-07-1985", "om 10:30 uur", "postcode 9000 Gent", "B-2000 Antwerpen", "1.250 euro per maand",
    "€ 2.500,50", "EUR 1250,00", "2500 euro netto", "0.45678912", "0,5", "3 kinderen", "versie 2.5.1",
    "NIS 44021", "NIS-code 11002", "ISCO 2310", "ISCO-08 5223", "R0123456789abcdef", "Rab12cd34ef567890",
    "-3", "", "bouwvakker", "hij at brood punt uit", "ik at thuis", "o.a. werk", "bv. koken", "tel. 3 keer",
    "nr 5", "gsm kapot", "85073100329", "een fout nummer 85073100327", "rekening BE71 0961 2345 6768",
    "12345678901", "ik woon in Gent.", "zie punt 3.", "de kosten (ca. 1.200) vielen mee", "1/3 van de tijd",
    "huisnummer 12 bus 3", "van 8u tot 17u", "tel 3 of 4 dagen",
]


@pytest.mark.parametrize("text, expected", LEAKS)
def test_personal_data_is_replaced_by_its_tag(text, expected):
    assert scrub_text(text)[0] == expected


@pytest.mark.parametrize("text", SURVIVE)
def test_other_text_survives(text):
    assert scrub_text(text) == (text, frozenset())


def test_corpus_size_zero_leaks_zero_false_positives():
    """The figures the issue asks for: at least 80 variants, none leaks, nothing else is touched;
    and `find_pii` (what `sid verify` runs) finds every one of them and none of the others."""
    assert len(LEAKS) >= 80 and len(SURVIVE) >= 30
    leaked = [t for t, want in LEAKS if scrub_text(t)[0] != want]
    touched = [t for t in SURVIVE if scrub_text(t)[0] != t]
    assert (leaked, touched) == ([], [])
    assert sum(find_pii([t]) != {} for t, _ in LEAKS) == len(LEAKS)
    assert find_pii(SURVIVE) == {}


@pytest.mark.parametrize("value, tag", [
    (470123456.0, "[TEL]"),  # 0470123456 typed into an income question
    (32470123456, "[TEL]"),  # +32 470 12 34 56
    (92345678, "[TEL]"),  # 09 234 56 78
    (85073100328, "[RRN]"),
    (5031724579, "[RRN]"),  # 05031724579: the leading zero lost
    (85473100119, "[BIS]"),
    (2500, None), (1980, None), (44021, None), (1250.5, None), (-9, None), (9999999, None),
    (85073100329, None), (123456789012, None), (float("nan"), None),
])
def test_numbers_that_are_identifiers(value, tag):
    assert number_tag(value) == tag


def test_number_tags_per_value():
    tags = number_tags(pd.Series([2500, 470123456, None, -4, 470123456, "85073100328"], dtype=object))
    assert tags.tolist() == [None, "[TEL]", None, None, "[TEL]", "[RRN]"]
