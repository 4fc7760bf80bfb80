"""Small built-in reference tables for the demo fieldwork (pipeline/demo/).

Municipalities with their NIS code (valid 2019-2024: codes from before the mergers of
2025-01-01), main postcode and telephone zone; first and family names per origin group;
street names; open answers in the survey's languages; misspellings of places.
All invented people get names from these lists: no external name generator.
"""

from __future__ import annotations

# nis_code, gemeente, postcode, telephone zone (without the 0), weight per origin group
# (BE, MA, TR, PL, RO, CD) — rough shares of where each group lives.
MUNICIPALITIES: tuple[tuple[str, str, str, str, tuple[int, ...]], ...] = (
    ("11002", "Antwerpen", "2000", "3", (30, 40, 18, 30, 22, 20)),
    ("11008", "Brasschaat", "2930", "3", (6, 1, 1, 2, 1, 1)),
    ("11029", "Mortsel", "2640", "3", (5, 2, 1, 2, 1, 2)),
    ("11005", "Boom", "2850", "3", (3, 5, 2, 1, 1, 1)),
    ("12025", "Mechelen", "2800", "15", (12, 16, 5, 6, 4, 8)),
    ("12021", "Lier", "2500", "3", (6, 2, 2, 2, 1, 1)),
    ("12040", "Willebroek", "2830", "3", (4, 5, 2, 2, 1, 1)),
    ("13040", "Turnhout", "2300", "14", (7, 3, 3, 3, 2, 1)),
    ("13008", "Geel", "2440", "14", (6, 2, 2, 2, 1, 1)),
    ("21001", "Anderlecht", "1070", "2", (4, 22, 8, 8, 22, 8)),
    ("21004", "Brussel", "1000", "2", (8, 20, 8, 10, 16, 16)),
    ("21009", "Elsene", "1050", "2", (4, 4, 2, 6, 6, 22)),
    ("21012", "Sint-Jans-Molenbeek", "1080", "2", (2, 30, 6, 4, 10, 4)),
    ("21013", "Sint-Gillis", "1060", "2", (3, 8, 4, 8, 8, 6)),
    ("21014", "Sint-Joost-ten-Node", "1210", "2", (1, 6, 12, 2, 4, 3)),
    ("21015", "Schaarbeek", "1030", "2", (4, 22, 20, 8, 14, 12)),
    ("23088", "Vilvoorde", "1800", "2", (6, 12, 2, 2, 4, 5)),
    ("23027", "Halle", "1500", "2", (6, 3, 1, 2, 2, 2)),
    ("23016", "Dilbeek", "1700", "2", (7, 3, 2, 2, 3, 2)),
    ("23094", "Zaventem", "1930", "2", (5, 4, 2, 3, 3, 2)),
    ("24062", "Leuven", "3000", "16", (18, 6, 4, 8, 5, 10)),
    ("24107", "Tienen", "3300", "16", (6, 2, 3, 3, 2, 1)),
    ("31005", "Brugge", "8000", "50", (18, 3, 2, 4, 3, 2)),
    ("34022", "Kortrijk", "8500", "56", (12, 3, 3, 5, 4, 2)),
    ("34027", "Menen", "8930", "56", (5, 2, 2, 3, 4, 1)),
    ("35013", "Oostende", "8400", "59", (12, 4, 2, 6, 4, 2)),
    ("36015", "Roeselare", "8800", "51", (10, 2, 2, 7, 4, 1)),
    ("41002", "Aalst", "9300", "53", (14, 5, 6, 4, 3, 3)),
    ("44021", "Gent", "9000", "9", (30, 14, 24, 14, 16, 10)),
    ("46021", "Sint-Niklaas", "9100", "3", (12, 6, 8, 3, 3, 2)),
    ("46014", "Lokeren", "9160", "9", (7, 2, 6, 2, 2, 1)),
    ("42006", "Dendermonde", "9200", "52", (8, 2, 2, 2, 2, 1)),
    ("71022", "Hasselt", "3500", "11", (14, 4, 6, 4, 3, 3)),
    ("71016", "Genk", "3600", "89", (10, 5, 22, 6, 4, 2)),
    ("71004", "Beringen", "3580", "11", (7, 2, 12, 3, 2, 1)),
    ("71070", "Heusden-Zolder", "3550", "11", (6, 2, 10, 2, 2, 1)),
    ("73107", "Maasmechelen", "3630", "89", (6, 3, 8, 4, 2, 1)),
    ("71053", "Sint-Truiden", "3800", "11", (8, 3, 2, 5, 3, 1)),
)

STREETS_FLANDERS = (
    "Kerkstraat", "Stationsstraat", "Dorpstraat", "Molenstraat", "Schoolstraat", "Nieuwstraat",
    "Kapelstraat", "Beekstraat", "Veldstraat", "Lindenlaan", "Kasteelstraat", "Bosstraat",
    "Hoogstraat", "Statiestraat", "Brugstraat", "Populierenlaan", "Ringlaan", "Leopoldlaan",
    "Sint-Jozefstraat", "Oude Baan", "Processiestraat", "Koningin Astridlaan",
)
STREETS_BRUSSELS = (
    "Gentsesteenweg", "Ninoofsesteenweg", "Haachtsesteenweg", "Brabantstraat", "Bergensesteenweg",
    "Waterloosesteenweg", "Hoogstraat", "Anspachlaan", "Koningsstraat", "Lemonnierlaan",
    "Sint-Guido-straat", "Maria-Christinastraat", "Leopold II-laan",
)

# First names per origin group: (men, women). Family names: shared, or (men, women) when
# the language inflects them (Polish -ski/-ska).
FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "BE": (("Jan", "Pieter", "Luc", "Marc", "Tom", "Koen", "Wouter", "Bart", "Jef", "Lucas",
            "Arthur", "Noah", "Louis", "Willem", "Dirk", "Stijn"),
           ("Marie", "An", "Els", "Sofie", "Lotte", "Emma", "Louise", "Lore", "Hilde", "Nele",
            "Ine", "Mila", "Julie", "Griet", "Anaïs", "Chloë")),
    "MA": (("Mohamed", "Youssef", "Karim", "Mehdi", "Hamza", "Bilal", "Ayoub", "Rachid", "Saïd",
            "Adam", "Anas", "Ilias", "Mustapha", "Khalid"),
           ("Fatima", "Khadija", "Nadia", "Samira", "Imane", "Salma", "Yasmina", "Meryem", "Hafsa",
            "Soukaina", "Nora", "Amal", "Loubna", "Hanane")),
    "TR": (("Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Emre", "Murat", "Burak", "Yusuf",
            "Kerem", "Oğuz", "Gökhan", "İbrahim", "Çağlar"),
           ("Ayşe", "Fatma", "Elif", "Zeynep", "Emine", "Hatice", "Özlem", "Büşra", "Esra", "Merve",
            "Gül", "Şeyma", "Dilek", "Gülşen")),
    "PL": (("Piotr", "Krzysztof", "Tomasz", "Paweł", "Marcin", "Michał", "Łukasz", "Jakub", "Kamil",
            "Grzegorz", "Wojciech", "Stanisław"),
           ("Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Małgorzata", "Ewa", "Monika",
            "Aleksandra", "Żaneta", "Justyna", "Jadwiga")),
    "RO": (("Andrei", "Alexandru", "Ion", "Mihai", "Ştefan", "Gheorghe", "Florin", "Cristian",
            "Vasile", "Bogdan", "Ionuţ", "Răzvan"),
           ("Maria", "Elena", "Ioana", "Andreea", "Mihaela", "Ana", "Cristina", "Gabriela",
            "Alexandra", "Ramona", "Mădălina", "Oana")),
    "CD": (("Jean-Pierre", "Patrick", "Joseph", "Christian", "Emmanuel", "Papy", "Fiston", "Héritier",
            "Jonathan", "Dieudonné", "Trésor", "Junior"),
           ("Marie-Claire", "Grâce", "Espérance", "Nathalie", "Chantal", "Sarah", "Bénédicte", "Jeanne",
            "Divine", "Merveille", "Gloria", "Clarisse")),
}
FAMILY_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "BE": (("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
            "Wouters", "De Smet", "Vermeulen", "Van den Broeck", "Dubois", "De Vos", "Hermans",
            "Verstraete", "Van Damme", "Desmet", "Lambrechts", "D'Hondt"),) * 2,
    "MA": (("El Amrani", "Benali", "Bouzid", "El Idrissi", "Aït Ouali", "El Khattabi", "Azzouzi",
            "Haddouchi", "Boukhari", "Achahbar", "Ouali", "El Ouafi", "Chakir", "Bakkali",
            "Ben Haddou", "Zeroual"),) * 2,
    "TR": (("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk", "Arslan",
            "Doğan", "Kılıç", "Aslan", "Çetin", "Koç", "Kurt", "Özdemir"),) * 2,
    "PL": (("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
            "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Mazur"),
           ("Nowak", "Kowalska", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowska",
            "Zielińska", "Szymańska", "Woźniak", "Dąbrowska", "Mazur")),
    "RO": (("Popescu", "Ionescu", "Popa", "Pop", "Constantin", "Stan", "Dumitru", "Stoica",
            "Gheorghe", "Munteanu", "Răducanu", "Ţurcanu", "Matei", "Ciobanu", "Lăcătuş"),) * 2,
    "CD": (("Mukendi", "Tshibangu", "Ilunga", "Kalala", "Mbuyi", "Kasongo", "Lukusa", "Mwamba",
            "Kabongo", "Nsimba", "Mbala", "Ngoy", "Tshimanga", "Kabamba", "Mputu"),) * 2,
}
MAIL_DOMAINS = ("gmail.com", "hotmail.com", "telenet.be", "skynet.be", "outlook.com", "yahoo.fr",
                "proximus.be", "hotmail.be", "live.be", "icloud.com")
MOBILE_PREFIXES = ("460", "465", "466", "467", "468", "470", "471", "472", "473", "474", "475",
                   "476", "477", "478", "479", "483", "484", "485", "486", "487", "488", "489",
                   "490", "491", "492", "493", "494", "495", "496", "497", "498", "499")

# Language of an open answer: per origin group, the share of answers written in each language
# when the interview language does not decide it.
TEXT_LANGUAGES = ("nl", "fr", "tr", "ar", "pl", "ro", "en")
LANGUAGE_BY_GROUP: dict[str, dict[str, float]] = {
    "BE": {"nl": 0.93, "fr": 0.05, "en": 0.02},
    "MA": {"nl": 0.60, "fr": 0.22, "ar": 0.18},
    "TR": {"nl": 0.58, "tr": 0.42},
    "PL": {"nl": 0.35, "pl": 0.55, "en": 0.10},
    "RO": {"nl": 0.35, "ro": 0.52, "fr": 0.08, "en": 0.05},
    "CD": {"nl": 0.40, "fr": 0.60},
}
# Interview language (when the form leaves it free), per origin group and mode of interview.
INTERVIEW_LANGUAGE_BY_GROUP: dict[str, dict[str, float]] = {
    "BE": {"nl": 0.95, "fr": 0.04, "en": 0.01},
    "MA": {"nl": 0.62, "fr": 0.23, "ar": 0.15},
    "TR": {"nl": 0.60, "tr": 0.40},
    "PL": {"nl": 0.38, "pl": 0.55, "en": 0.07},
    "RO": {"nl": 0.38, "ro": 0.52, "fr": 0.06, "en": 0.04},
    "CD": {"nl": 0.42, "fr": 0.58},
}
LANGUAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "nl": ("nl", "nld", "dut", "nederlands", "dutch", "vlaams"),
    "fr": ("fr", "fra", "fre", "frans", "french", "français", "francais"),
    "en": ("en", "eng", "engels", "english"),
    "tr": ("tr", "tur", "turks", "turkish", "türkçe"),
    "ar": ("ar", "ara", "arabisch", "arabic"),
    "pl": ("pl", "pol", "pools", "polish", "polski"),
    "ro": ("ro", "ron", "rum", "roemeens", "romanian", "română"),
}

# Open answers by kind of question and language. None of them contains a phone number, an
# e-mail address, a national register number or a misspelt place name: those are planted
# defects and live in PII_TEMPLATES and MISSPELLINGS.
TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "job": {
        "nl": ("verpleegkundige", "vrachtwagenchauffeur", "boekhouder", "leerkracht lager onderwijs",
               "schoonmaakster", "kok in een restaurant", "IT-consultant", "winkelbediende", "bouwvakker",
               "huisarts", "kinderbegeleidster", "magazijnier", "zelfstandig kapper", "poetshulp",
               "ingenieur", "buschauffeur", "logistiek medewerker", "zorgkundige in een rusthuis",
               "bediende bij de bank", "elektricien", "student-jobber in de horeca"),
        "fr": ("infirmière", "chauffeur de taxi", "aide-soignante", "comptable", "enseignant",
               "ouvrier du bâtiment", "femme de ménage", "agent de sécurité", "vendeuse", "informaticien",
               "employé administratif", "éducatrice en crèche", "mécanicien"),
        "tr": ("inşaat işçisi", "aşçı", "temizlikçi", "öğretmen", "şoför", "muhasebeci", "kuaför",
               "terzi", "fabrika işçisi", "hemşire", "kendi dükkânım var", "garson", "kasiyer"),
        "ar": ("سائق شاحنة", "ممرضة", "عامل بناء", "طباخ", "معلم", "محاسب", "عاملة نظافة", "بائع",
               "حلاق", "ميكانيكي"),
        "pl": ("pracownik budowlany", "sprzątaczka", "kierowca ciężarówki", "opiekunka osób starszych",
               "elektryk", "magazynier", "księgowa", "pielęgniarka", "hydraulik", "spawacz", "kucharz",
               "glazurnik"),
        "ro": ("muncitor în construcţii", "şofer de camion", "îngrijitoare", "femeie de serviciu",
               "bucătar", "electrician", "asistentă medicală", "contabilă", "vânzătoare", "zugrav",
               "instalator", "mecanic auto"),
        "en": ("software developer", "nurse", "PhD researcher", "sales manager", "delivery driver"),
    },
    "comment": {
        "nl": ("Interessante vragenlijst.", "Sommige vragen waren lang.", "Geen opmerkingen.",
               "Bedankt voor het onderzoek.", "Ik vond de vragen over discriminatie belangrijk.",
               "De vragen over vertrouwen vond ik moeilijk.", "Te lang, maar wel een belangrijk onderwerp.",
               "Ik hoop dat er iets met de resultaten gebeurt.", "Waarom vraagt men naar mijn geloof?",
               "Duidelijke vragen, goed uitgelegd.", "Meer vragen over huisvesting zou goed zijn."),
        "fr": ("Questionnaire trop long.", "Merci pour cette enquête.",
               "Certaines questions étaient difficiles à comprendre.",
               "Il faudrait plus de questions sur le logement.", "Rien à ajouter.",
               "La question sur la religion est très personnelle.", "Très bonne initiative, bravo."),
        "tr": ("Anket çok uzundu ama önemli.", "Teşekkürler, güzel sorular.", "Bazı soruları anlamadım.",
               "Ayrımcılık konusu çok önemli, ilginiz için teşekkür ederim.", "Söyleyecek başka bir şeyim yok.",
               "Sorular biraz karışıktı."),
        "ar": ("شكرا على هذا الاستبيان", "الأسئلة طويلة جدا", "بعض الأسئلة كانت صعبة",
               "أتمنى أن تساعد هذه الدراسة الجالية", "لا شيء لأضيفه"),
        "pl": ("Ankieta była za długa.", "Dziękuję, ciekawe pytania.",
               "Niektóre pytania były trudne do zrozumienia.", "Dziękuję za możliwość wzięcia udziału.",
               "Mało pytań o pracę, szkoda.", "Pytania o zaufanie były dziwne."),
        "ro": ("Chestionarul a fost prea lung.", "Mulţumesc pentru întrebări.",
               "Unele întrebări au fost greu de înţeles.", "Aş vrea să ştiu rezultatele.",
               "Nu am nimic de adăugat.", "Întrebările despre discriminare sunt importante."),
        "en": ("Thanks, interesting survey.", "Some questions were hard to answer.", "No comments."),
    },
    "country": {
        "nl": ("Nederland", "Frankrijk", "Duitsland", "Algerije", "Tunesië", "Syrië", "Spanje", "Italië",
               "Bulgarije", "Afghanistan", "Rusland", "Oekraïne", "Irak", "Guinee", "Kameroen", "Rwanda",
               "Burundi", "Portugal", "Albanië", "Kosovo"),
        "fr": ("France", "Algérie", "Tunisie", "Italie", "Espagne", "Cameroun", "Rwanda", "Sénégal",
               "Côte d'Ivoire", "Angola"),
        "tr": ("Almanya", "Hollanda", "Bulgaristan", "Suriye", "Irak", "Gürcistan"),
        "ar": ("الجزائر", "تونس", "سوريا", "فرنسا", "إسبانيا"),
        "pl": ("Niemcy", "Ukraina", "Holandia", "Francja", "Litwa", "Białoruś"),
        "ro": ("Italia", "Spania", "Republica Moldova", "Germania", "Franţa", "Ungaria"),
        "en": ("Germany", "United Kingdom", "India", "Brazil"),
    },
    "language": {
        "nl": ("Berbers", "Tamazight", "Riffijns", "Koerdisch", "Lingala", "Swahili", "Tshiluba",
               "Kikongo", "Russisch", "Oekraïens", "Hongaars", "Romani", "Duits", "Spaans"),
        "fr": ("lingala", "swahili", "kikongo", "tshiluba", "kabyle", "espagnol"),
        "tr": ("Kürtçe", "Zazaca", "Lazca", "Çerkezce", "Almanca"),
        "ar": ("الأمازيغية", "الريفية", "الإسبانية"),
        "pl": ("śląski", "kaszubski", "rosyjski", "ukraiński"),
        "ro": ("romani", "maghiară", "rusă", "italiană"),
        "en": ("Hindi", "Portuguese", "Russian"),
    },
    "religion": {
        "nl": ("Alevitisme", "Boeddhisme", "Hindoeïsme", "Jehova's getuigen", "Kimbanguisme",
               "Roemeens-orthodox", "Pinksterkerk", "vrijzinnig"),
        "fr": ("Kimbanguisme", "Église de réveil", "Témoins de Jéhovah", "protestant évangélique"),
        "tr": ("Alevi", "Sünni", "Bektaşi"),
        "ar": ("مسلم سني", "مسلم شيعي"),
        "pl": ("katolik niepraktykujący", "prawosławny", "Świadkowie Jehowy"),
        "ro": ("ortodox", "penticostal", "greco-catolic", "adventist"),
        "en": ("Sikh", "Buddhist", "agnostic"),
    },
    "place": {
        "nl": ("Antwerpen", "Gent", "Brussel", "Leuven", "Mechelen", "Genk", "Hasselt", "Brugge",
               "Kortrijk", "Sint-Niklaas", "Vilvoorde", "Aalst"),
    },
    "other": {
        "nl": ("Andere", "Familie", "Werk", "Studies", "Vrienden", "Buren", "Vereniging", "Moskee",
               "Kerk", "Sportclub", "Via de school van de kinderen", "Op de markt"),
        "fr": ("Famille", "Travail", "Amis", "Voisins", "Église", "Mosquée", "Club de foot"),
        "tr": ("Aile", "İş", "Arkadaşlar", "Komşular", "Cami", "Dernek"),
        "ar": ("العائلة", "العمل", "الأصدقاء", "الجيران", "المسجد"),
        "pl": ("Rodzina", "Praca", "Przyjaciele", "Sąsiedzi", "Kościół", "Szkoła językowa"),
        "ro": ("Familie", "Serviciu", "Prieteni", "Vecini", "Biserică", "Asociaţie"),
        "en": ("Family", "Work", "Friends", "Neighbours"),
    },
}

# Junk typed by testers before the launch (test interviews).
TEST_TEXTS = ("test", "TEST", "asdf", "xxx", "test test", "qwerty", "testje interviewer", "123", "aaa")

# Planted PII in open answers; {tel}, {email}, {rrn} are the respondent's own (from the sample frame).
PII_TEMPLATES: dict[str, tuple[str, ...]] = {
    "nl": ("Bel me gerust voor meer uitleg: {tel}", "Stuur de resultaten naar {email} aub",
           "mijn rijksregisternummer is {rrn}", "U kan mij bereiken op {tel} of {email}"),
    "fr": ("Vous pouvez me contacter au {tel}", "mon e-mail: {email}", "Mon numéro national: {rrn}"),
    "tr": ("Telefonum: {tel}", "Sonuçları {email} adresine gönderin lütfen"),
    "ar": ("رقم هاتفي {tel}", "بريدي الإلكتروني {email}"),
    "pl": ("Proszę dzwonić: {tel}", "Mój e-mail: {email}"),
    "ro": ("Numărul meu de telefon: {tel}", "Vă rog trimiteţi rezultatele la {email}"),
    "en": ("Call me on {tel}", "my email is {email}"),
}

# Misspelt country names as respondents type them in an other-specify text.
MISSPELLINGS: dict[str, tuple[str, ...]] = {
    "BE": ("Belguie", "Begie", "Beljik", "Belgiê", "Belgïe"),
    "MA": ("Marrokko", "Marocco", "Morokko", "Marokk", "Marroko", "Marok"),
    "TR": ("Turkye", "Turkei", "Turkie", "Turkeye", "Tukije", "Turkiye"),
    "PL": ("Poolen", "Polan", "Pollen", "Poolse", "Ploen"),
    "RO": ("Roemenie", "Romenie", "Roemeni", "Rumenie", "Roemania"),
    "CD": ("Kongo", "Congo Kinshassa", "Kongo RDC", "Cong", "Konge DRC"),
}
# Typed for a municipality or a job, with the code coding should give on an interview date in 2026
# ('worklist: a|b' where the name belongs to two municipalities or unit groups). Names and codes
# are those of schemas/classifications/ (postcodes.csv, refnis_successors.csv, isco08_names.csv).
PLACE_VARIANTS: tuple[tuple[str, str, str], ...] = (
    ("Borgerhout", "deelgemeente typed for the municipality", "11002"),
    ("Wilrijk", "deelgemeente typed for the municipality", "11002"),
    ("Gentbrugge", "deelgemeente typed for the municipality", "44021"),
    ("Laken", "deelgemeente typed for the municipality", "21004"),
    ("Heverlee", "deelgemeente typed for the municipality", "24062"),
    ("Deurne", "deelgemeente of two municipalities typed for the municipality", "worklist: 11002|24020"),
    ("2140", "postcode typed for the municipality", "11002"),
    ("9000", "postcode typed for the municipality", "44021"),
    ("3500", "postcode typed for the municipality", "71072"),
    ("Kortessem", "pre-merger name typed for the municipality", "71072, historisch 73040"),
    ("Moerbeke", "pre-merger name typed for the municipality", "46029, historisch 44045"),
    ("Borsbeek", "pre-merger name typed for the municipality", "11002, historisch 11007"),
    ("Nevele", "pre-merger name typed for the municipality", "44083, historisch 44049"),
)
JOB_SYNONYMS: tuple[tuple[str, str, str], ...] = (
    ("loodgieter", "occupation synonym typed for the job", "7126"),
    ("postbode", "occupation synonym typed for the job", "4412"),
    ("taxichauffeur", "occupation synonym typed for the job", "8322"),
    ("poetsvrouw", "occupation synonym typed for the job", "9112"),
    ("heftruckchauffeur", "occupation synonym typed for the job", "8344"),
    ("bakker", "occupation synonym typed for the job", "7512"),
    ("slager", "occupation synonym typed for the job", "7511"),
    ("tandarts", "occupation synonym typed for the job", "2261"),
    ("metselaar", "occupation synonym typed for the job", "7112"),
    ("chef-kok", "occupation title of two unit groups typed for the job", "worklist: 3434|5120"),
)
PLACE_MISSPELLINGS: dict[str, tuple[str, ...]] = {
    "Antwerpen": ("Antwerpe", "Antwepen", "Antwerpn"), "Gent": ("Gend", "Gennt"),
    "Brussel": ("Brusel", "Bruxelle", "Brussell"), "Leuven": ("Leuve", "Leuvn"),
    "Mechelen": ("Mechele", "Mecheln"), "Genk": ("Genck", "Gnek"), "Hasselt": ("Hassel", "Haselt"),
    "Sint-Jans-Molenbeek": ("Molenbeck", "Sint-Jans-Molenbek"), "Schaarbeek": ("Schaarbeck", "Scharbeek"),
    "Anderlecht": ("Anderlech", "Anderleht"),
}
