"""Demonyms (nationality adjectives) in English, French and Arabic, by ISO alpha-3.

Data, not code: a curated table, not generated. No well-kept package on PyPI holds
demonyms in these three languages (pycountry has names only, and the names are
already in :mod:`fts_share.countries`). The forms follow the conventions of the CIA
World Factbook ("Nationality: adjective", English), the French gentilés of the
Journal officiel list of country names (French) and the Arabic nisba adjective
(masculine, feminine); they were written by hand, not imported, so a wrong or
missing form is a fix to this table. Coverage: 86 countries, those of the UN
consolidated list's nationalities, their neighbours and the coalition's members; a value
not here is kept as text by importers and ignored in matching. French feminine
forms (-ienne, -aise, -e) and Arabic feminine forms (ة) are listed where they differ.

Each row: alpha-3, then every form (case and diacritics are folded at lookup).
"""

from __future__ import annotations

DEMONYMS: dict[str, tuple[str, ...]] = {
    "AFG": ("Afghan", "Afghani", "afghan", "afghane", "أفغاني", "أفغانية", "افغاني"),
    "DZA": ("Algerian", "algérien", "algérienne", "جزائري", "جزائرية"),
    "BHR": ("Bahraini", "bahreïnien", "bahreïnienne", "بحريني", "بحرينية"),
    "BGD": ("Bangladeshi", "bangladais", "bangladaise", "بنغلاديشي"),
    "BEL": ("Belgian", "belge", "بلجيكي", "بلجيكية"),
    "BIH": ("Bosnian", "bosnien", "bosnienne", "بوسني", "بوسنية"),
    "BFA": ("Burkinabe", "Burkinabè", "burkinabé", "بوركيني"),
    "CMR": ("Cameroonian", "camerounais", "camerounaise", "كاميروني"),
    "CAF": ("Central African", "centrafricain", "centrafricaine", "أفريقي أوسطي"),
    "TCD": ("Chadian", "tchadien", "tchadienne", "تشادي", "تشادية"),
    "CHN": ("Chinese", "chinois", "chinoise", "صيني", "صينية"),
    "COD": ("Congolese", "congolais", "congolaise", "كونغولي"),
    "DJI": ("Djiboutian", "djiboutien", "djiboutienne", "جيبوتي"),
    "EGY": ("Egyptian", "égyptien", "égyptienne", "مصري", "مصرية"),
    "ERI": ("Eritrean", "érythréen", "érythréenne", "إريتري", "إريترية"),
    "ETH": ("Ethiopian", "éthiopien", "éthiopienne", "إثيوبي", "إثيوبية"),
    "FRA": ("French", "français", "française", "فرنسي", "فرنسية"),
    "GEO": ("Georgian", "géorgien", "géorgienne", "جورجي", "جورجية"),
    "DEU": ("German", "allemand", "allemande", "ألماني", "ألمانية"),
    "GBR": ("British", "britannique", "بريطاني", "بريطانية"),
    "IND": ("Indian", "indien", "indienne", "هندي", "هندية"),
    "IDN": ("Indonesian", "indonésien", "indonésienne", "إندونيسي", "إندونيسية"),
    "IRN": ("Iranian", "iranien", "iranienne", "إيراني", "إيرانية"),
    "IRQ": ("Iraqi", "irakien", "irakienne", "iraqien", "iraquien", "عراقي", "عراقية"),
    "ISR": ("Israeli", "israélien", "israélienne", "إسرائيلي"),
    "ITA": ("Italian", "italien", "italienne", "إيطالي", "إيطالية"),
    "JOR": ("Jordanian", "jordanien", "jordanienne", "أردني", "أردنية"),
    "KAZ": ("Kazakh", "Kazakhstani", "kazakh", "kazakhe", "كازاخستاني"),
    "KEN": ("Kenyan", "kényan", "kényane", "كيني", "كينية"),
    "PRK": ("North Korean", "nord-coréen", "nord-coréenne", "كوري شمالي"),
    "KWT": ("Kuwaiti", "koweïtien", "koweïtienne", "كويتي", "كويتية"),
    "KGZ": ("Kyrgyz", "Kyrgyzstani", "kirghize", "قيرغيزي"),
    "LBN": ("Lebanese", "libanais", "libanaise", "لبناني", "لبنانية"),
    "LBY": ("Libyan", "libyen", "libyenne", "ليبي", "ليبية"),
    "MYS": ("Malaysian", "malaisien", "malaisienne", "ماليزي", "ماليزية"),
    "MLI": ("Malian", "malien", "malienne", "مالي", "مالية"),
    "MRT": ("Mauritanian", "mauritanien", "mauritanienne", "موريتاني", "موريتانية"),
    "MAR": ("Moroccan", "marocain", "marocaine", "مغربي", "مغربية"),
    "NER": ("Nigerien", "nigérien", "nigérienne", "نيجري", "نيجرية"),
    "NGA": ("Nigerian", "nigérian", "nigériane", "نيجيري", "نيجيرية"),
    "OMN": ("Omani", "omanais", "omanaise", "عماني", "عمانية"),
    "PAK": ("Pakistani", "pakistanais", "pakistanaise", "باكستاني", "باكستانية"),
    "PSE": ("Palestinian", "palestinien", "palestinienne", "فلسطيني", "فلسطينية"),
    "PHL": ("Filipino", "Philippine", "philippin", "philippine", "فلبيني"),
    "QAT": ("Qatari", "qatarien", "qatarienne", "قطري", "قطرية"),
    "RUS": ("Russian", "russe", "روسي", "روسية"),
    "SAU": ("Saudi", "Saudi Arabian", "saoudien", "saoudienne", "سعودي", "سعودية"),
    "SEN": ("Senegalese", "sénégalais", "sénégalaise", "سنغالي"),
    "SOM": ("Somali", "somalien", "somalienne", "صومالي", "صومالية"),
    "SSD": ("South Sudanese", "sud-soudanais", "sud-soudanaise", "جنوب سوداني"),
    "ESP": ("Spanish", "espagnol", "espagnole", "إسباني", "إسبانية"),
    "SDN": ("Sudanese", "soudanais", "soudanaise", "سوداني", "سودانية"),
    "SWE": ("Swedish", "suédois", "suédoise", "سويدي"),
    "CHE": ("Swiss", "suisse", "سويسري", "سويسرية"),
    "SYR": ("Syrian", "syrien", "syrienne", "سوري"),
    "TJK": ("Tajik", "Tajikistani", "tadjik", "tadjike", "طاجيكي"),
    "TZA": ("Tanzanian", "tanzanien", "tanzanienne", "تنزاني"),
    "TUN": ("Tunisian", "tunisien", "tunisienne", "تونسي", "تونسية"),
    "TUR": ("Turkish", "turc", "turque", "تركي", "تركية"),
    "TKM": ("Turkmen", "turkmène", "تركماني"),
    "UGA": ("Ugandan", "ougandais", "ougandaise", "أوغندي"),
    "ARE": ("Emirati", "émirien", "émirienne", "إماراتي", "إماراتية"),
    "USA": ("American", "américain", "américaine", "أمريكي", "أمريكية"),
    "UZB": ("Uzbek", "Uzbekistani", "ouzbek", "ouzbèke", "أوزبكي"),
    "YEM": ("Yemeni", "yéménite", "يمني", "يمنية"),
    # --- rows added for the nationalities of the other regimes' lists (DPRK, Haiti,
    # Libya, Balkans) and of the coalition's members, same conventions ---
    "ALB": ("Albanian", "albanais", "albanaise", "ألباني", "ألبانية"),
    "AUS": ("Australian", "australien", "australienne", "أسترالي", "أسترالية"),
    "AUT": ("Austrian", "autrichien", "autrichienne", "نمساوي", "نمساوية"),
    "AZE": ("Azerbaijani", "Azeri", "azerbaïdjanais", "azerbaïdjanaise", "أذربيجاني"),
    "CAN": ("Canadian", "canadien", "canadienne", "كندي", "كندية"),
    "DNK": ("Danish", "Dane", "danois", "danoise", "دنماركي", "دنماركية"),
    "FIN": ("Finnish", "Finn", "finlandais", "finlandaise", "فنلندي", "فنلندية"),
    "GRC": ("Greek", "grec", "grecque", "يوناني", "يونانية"),
    "HTI": ("Haitian", "haïtien", "haïtienne", "هايتي"),
    "IRL": ("Irish", "irlandais", "irlandaise", "أيرلندي", "أيرلندية"),
    "KOR": ("South Korean", "sud-coréen", "sud-coréenne", "كوري جنوبي"),
    "LKA": ("Sri Lankan", "sri-lankais", "sri-lankaise", "سريلانكي"),
    "MDV": ("Maldivian", "maldivien", "maldivienne", "مالديفي"),
    "MKD": ("Macedonian", "North Macedonian", "macédonien", "macédonienne", "مقدوني"),
    "NLD": ("Dutch", "Netherlander", "néerlandais", "néerlandaise", "هولندي", "هولندية"),
    "NOR": ("Norwegian", "norvégien", "norvégienne", "نرويجي", "نرويجية"),
    "POL": ("Polish", "Pole", "polonais", "polonaise", "بولندي", "بولندية"),
    "PRT": ("Portuguese", "portugais", "portugaise", "برتغالي", "برتغالية"),
    "SRB": ("Serbian", "Serb", "serbe", "صربي", "صربية"),
    "TTO": ("Trinidadian", "Tobagonian", "trinidadien", "trinidadienne", "ترينيدادي"),
    "UKR": ("Ukrainian", "ukrainien", "ukrainienne", "أوكراني", "أوكرانية"),
}
