"""ISO 3166-1 countries: alpha-3 codes with English, French and Arabic short names.

The table is derived from Debian's iso-codes (ISO 3166-1, LGPL-2.1+) with the short
names a desk officer would type; official names and older spellings are kept as
aliases. :func:`country_code` turns what a user wrote (an alpha-3 or alpha-2 code, or
a name in any of the three languages) into the alpha-3 code, ignoring case,
diacritics and Arabic vowel marks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["BY_ALPHA3", "COUNTRIES", "Country", "country", "country_code", "is_alpha3"]


@dataclass(frozen=True)
class Country:
    """One ISO 3166-1 entry."""

    alpha3: str
    alpha2: str
    en: str
    fr: str
    ar: str
    aliases: tuple[str, ...] = ()

    def name(self, lang: str = "en") -> str:
        """The short name in ``lang`` ("en", "fr" or "ar")."""
        return {"en": self.en, "fr": self.fr, "ar": self.ar}[lang]


# alpha-3, alpha-2, English, French, Arabic short names, aliases
_ROWS: tuple[tuple[str, str, str, str, str, tuple[str, ...]], ...] = (
    ('ABW', 'AW', 'Aruba', 'Aruba', 'أروبا', ()),
    ('AFG', 'AF', 'Afghanistan', 'Afghanistan', 'أفغانستان', ('Islamic Republic of Afghanistan', "République islamique d'Afghanistan", 'جمهوريّة أفغانستان الإسلاميّة')),
    ('AGO', 'AO', 'Angola', 'Angola', 'أنغولا', ('Republic of Angola', "République d'Angola", 'جمهوريّة أنغولا')),
    ('AIA', 'AI', 'Anguilla', 'Anguilla', 'أنغويلا', ()),
    ('ALA', 'AX', 'Åland Islands', 'Îles Åland', 'جزر آلاند', ('Åland, Îles',)),
    ('ALB', 'AL', 'Albania', 'Albanie', 'ألبانيا', ('Republic of Albania', "République d'Albanie", 'جمهوريّة ألبانيا')),
    ('AND', 'AD', 'Andorra', 'Andorre', 'أندورا', ('Principality of Andorra', "Principauté d'Andorre", 'إمارة أندورا')),
    ('ARE', 'AE', 'United Arab Emirates', 'Émirats arabes unis', 'الإمارات العربيّة المتحدّة', ()),
    ('ARG', 'AR', 'Argentina', 'Argentine', 'الأرجنتين', ('Argentine Republic', "République d'Argentine", 'الجمهوريّة الأرجنتينيّة')),
    ('ARM', 'AM', 'Armenia', 'Arménie', 'أرمينيا', ('Republic of Armenia', "République d'Arménie", 'جمهوريّة أرمينيا')),
    ('ASM', 'AS', 'American Samoa', 'Samoa américaines', 'صاموا الأمريكيّة', ()),
    ('ATA', 'AQ', 'Antarctica', 'Antarctique', 'القطب الجنوبي', ()),
    ('ATF', 'TF', 'French Southern Territories', 'Terres australes françaises', 'المقاطعات الفرنسيّة الجنوبيّة', ()),
    ('ATG', 'AG', 'Antigua and Barbuda', 'Antigua-et-Barbuda', 'أنتيغوا و باربودا', ()),
    ('AUS', 'AU', 'Australia', 'Australie', 'أستراليا', ()),
    ('AUT', 'AT', 'Austria', 'Autriche', 'النّمسا', ('Republic of Austria', "République d'Autriche", 'جمهوريّة النّمسا')),
    ('AZE', 'AZ', 'Azerbaijan', 'Azerbaïdjan', 'أذربيجان', ('Republic of Azerbaijan', "République d'Azerbaïdjan", 'جمهوريّة أذربيجان')),
    ('BDI', 'BI', 'Burundi', 'Burundi', 'بوروندي', ('Republic of Burundi', 'République du Burundi', 'جمهوريّة بوروندي')),
    ('BEL', 'BE', 'Belgium', 'Belgique', 'بلجيكا', ('Kingdom of Belgium', 'Royaume de Belgique', 'مملكة بلجيكا')),
    ('BEN', 'BJ', 'Benin', 'Bénin', 'بنين', ('Republic of Benin', 'République du Bénin', 'جمهوريّة بنين')),
    ('BES', 'BQ', 'Bonaire, Sint Eustatius and Saba', 'Bonaire, Saint-Eustache et Saba', 'بونير وسانت يوستاتيوس وسابا', ()),
    ('BFA', 'BF', 'Burkina Faso', 'Burkina Faso', 'بوركينا فاصو', ()),
    ('BGD', 'BD', 'Bangladesh', 'Bangladesh', 'بنغلادش', ("People's Republic of Bangladesh", 'République populaire du Bengladesh', 'جمهوريّة بنغلادش الشّعبيّة')),
    ('BGR', 'BG', 'Bulgaria', 'Bulgarie', 'بلغاريا', ('Republic of Bulgaria', 'République de Bulgarie', 'جمهوريّة بلغاريا')),
    ('BHR', 'BH', 'Bahrain', 'Bahreïn', 'البحرين', ('Kingdom of Bahrain', 'Royaume de Bahreïn', 'مملكة البحرين')),
    ('BHS', 'BS', 'Bahamas', 'Bahamas', 'جزر البهاما', ('Commonwealth of the Bahamas', 'Commonwealth des Bahamas', 'كومنولث البهاما')),
    ('BIH', 'BA', 'Bosnia and Herzegovina', 'Bosnie-Herzégovine', 'البوسنة و الهرسك', ('Republic of Bosnia and Herzegovina', 'République de Bosnie et Herzégovine', 'جمهوريّة البوسنة و الهرسك')),
    ('BLM', 'BL', 'Saint Barthélemy', 'Saint-Barthélemy', 'سان بارتليمي', ()),
    ('BLR', 'BY', 'Belarus', 'Bélarus', 'روسيا البيضاء', ('Republic of Belarus', 'République du Bélarus', 'جمهوريّة روسيا البيضاء')),
    ('BLZ', 'BZ', 'Belize', 'Belize', 'بيليز', ()),
    ('BMU', 'BM', 'Bermuda', 'Bermudes', 'برمودا', ()),
    ('BOL', 'BO', 'Bolivia', 'Bolivie', 'بوليفيا', ('Bolivia, Plurinational State of', 'Bolivie, état plurinational de', 'جمهورية بوليفيا', 'Plurinational State of Bolivia', 'État plurinational de Bolivie')),
    ('BRA', 'BR', 'Brazil', 'Brésil', 'البرازيل', ('Federative Republic of Brazil', 'République fédérale du Brésil', 'جمهوريّة البرازيل الاتّحاديّة')),
    ('BRB', 'BB', 'Barbados', 'Barbade', 'بربادوس', ()),
    ('BRN', 'BN', 'Brunei Darussalam', 'Brunéi Darussalam', 'بروناي دار السّلام', ()),
    ('BTN', 'BT', 'Bhutan', 'Bhoutan', 'بوتان', ('Kingdom of Bhutan', 'Royaume du Bouthan', 'مملكة بوتان')),
    ('BVT', 'BV', 'Bouvet Island', 'île Bouvet', 'جزيرة بوفي', ()),
    ('BWA', 'BW', 'Botswana', 'Botswana', 'بوتسوانا', ('Republic of Botswana', 'République du Botswana', 'جمهوريّة بوتسوانا')),
    ('CAF', 'CF', 'Central African Republic', 'République centrafricaine', 'جمهورية إفريقيّا الوسطى', ()),
    ('CAN', 'CA', 'Canada', 'Canada', 'كندا', ()),
    ('CCK', 'CC', 'Cocos (Keeling) Islands', 'Îles Cocos', 'جزر كوكوس', ('Cocos (Keeling), Îles', 'جزر الكوكوس')),
    ('CHE', 'CH', 'Switzerland', 'Suisse', 'سويسرا', ('Swiss Confederation', 'Confédération helvétique', 'الاتّحاد السّويسري')),
    ('CHL', 'CL', 'Chile', 'Chili', 'تشيلي', ('Republic of Chile', 'République du Chili', 'جمهوريّة تشيلي')),
    ('CHN', 'CN', 'China', 'Chine', 'الصّين', ("People's Republic of China", 'République populaire de Chine', 'جمهوريّة الصّين الشّعبيّة')),
    ('CIV', 'CI', "Côte d'Ivoire", "Côte d'Ivoire", 'ساحل العاج', ("Republic of Côte d'Ivoire", "République de Côte d'Ivoire", 'جمهوريّة ساحل العاج', 'Ivory Coast')),
    ('CMR', 'CM', 'Cameroon', 'Cameroun', 'الكاميرون', ('Republic of Cameroon', 'République du Cameroun', 'جمهوريّة الكاميرون')),
    ('COD', 'CD', 'DR Congo', 'République démocratique du Congo', 'جمهورية الكونغو الديمقراطية', ('Congo, The Democratic Republic of the', 'الكونغو، جمهوريّة الكونغو الدّيموقراطيّة', 'Democratic Republic of the Congo')),
    ('COG', 'CG', 'Congo', 'République du Congo', 'الكونغو', ('Republic of the Congo', 'جمهوريّة الكونغو')),
    ('COK', 'CK', 'Cook Islands', 'îles Cook', 'جزر كوك', ()),
    ('COL', 'CO', 'Colombia', 'Colombie', 'كولومبيا', ('Republic of Colombia', 'République de Colombie', 'جمهوريّة كولومبيا')),
    ('COM', 'KM', 'Comoros', 'Comores', 'جزر القمر', ('Union of the Comoros', 'Union des Comores', 'إتّحاد جزر القمر')),
    ('CPV', 'CV', 'Cabo Verde', 'Cap-Vert', 'الرأس الأخضر', ('Republic of Cabo Verde', 'République du Cap-Vert', 'جمهورية الرأس الأخضر')),
    ('CRI', 'CR', 'Costa Rica', 'Costa Rica', 'كوستاريكا', ('Republic of Costa Rica', 'République du Costa Rica', 'جمهوريّة كوستاريكا')),
    ('CUB', 'CU', 'Cuba', 'Cuba', 'كوبا', ('Republic of Cuba', 'République de Cuba', 'جمهوريّة كوبا')),
    ('CUW', 'CW', 'Curaçao', 'Curaçao', 'كوراساو', ('جزر كوراكاو',)),
    ('CXR', 'CX', 'Christmas Island', 'Île Christmas', 'جزيرة عيد الميلاد', ('Christmas, Île', 'جزر الكريسماس')),
    ('CYM', 'KY', 'Cayman Islands', 'îles Caïmans', 'جزر الكيمان', ()),
    ('CYP', 'CY', 'Cyprus', 'Chypre', 'قبرص', ('Republic of Cyprus', 'République de Chypre', 'جمهوريّة قبرص')),
    ('CZE', 'CZ', 'Czechia', 'Tchéquie', 'التشيك', ('Czech Republic', 'République tchèque', 'جمهوريّة التّشيك')),
    ('DEU', 'DE', 'Germany', 'Allemagne', 'ألمانيا', ('Federal Republic of Germany', "République fédérale d'Allemagne", 'جمهوريّة ألمانيا الاتّحاديّة')),
    ('DJI', 'DJ', 'Djibouti', 'Djibouti', 'جيبوتي', ('Republic of Djibouti', 'République de Djibouti', 'جمهوريّة جيبوتي')),
    ('DMA', 'DM', 'Dominica', 'Dominique', 'دومينيكا', ('Commonwealth of Dominica', 'Commonwealth de la Dominique', 'كومنولث دومينيكا')),
    ('DNK', 'DK', 'Denmark', 'Danemark', 'الدّنمارك', ('Kingdom of Denmark', 'Royaume du Danemark', 'مملكة الدّنمارك')),
    ('DOM', 'DO', 'Dominican Republic', 'République dominicaine', 'جمهوريّة الدّومينيكان', ()),
    ('DZA', 'DZ', 'Algeria', 'Algérie', 'الجزائر', ("People's Democratic Republic of Algeria", 'République algérienne démocratique et populaire', 'الجمهورية الجزائرية الديمقراطية الشعبية')),
    ('ECU', 'EC', 'Ecuador', 'Équateur', 'الإكوادور', ('Republic of Ecuador', "République d'Équateur", 'جمهوريّة الإكوادور')),
    ('EGY', 'EG', 'Egypt', 'Égypte', 'مصر', ('Arab Republic of Egypt', "République arabe d'Égypte", 'جمهوريّة مصر العربيّة')),
    ('ERI', 'ER', 'Eritrea', 'Érythrée', 'إريتريا', ('the State of Eritrea', "l'État d'Érythrée", 'دولة إريتريا')),
    ('ESH', 'EH', 'Western Sahara', 'Sahara occidental', 'الصّحراء الغربيّة', ()),
    ('ESP', 'ES', 'Spain', 'Espagne', 'إسبانيا', ('Kingdom of Spain', "Royaume d'Espagne", 'مملكة إسبانيا')),
    ('EST', 'EE', 'Estonia', 'Estonie', 'إستونيا', ('Republic of Estonia', "République d'Estonie", 'جمهوريّة إستونيا')),
    ('ETH', 'ET', 'Ethiopia', 'Éthiopie', 'إثيوبيا', ('Federal Democratic Republic of Ethiopia', "République fédérale démocratique d'Éthiopie", 'جمهوريّة إثيوبيا الدّيموقراطيّة الاتّحاديّة')),
    ('FIN', 'FI', 'Finland', 'Finlande', 'فنلندا', ('Republic of Finland', 'République de Finlande', 'جمهوريّة فنلندا')),
    ('FJI', 'FJ', 'Fiji', 'Fidji', 'فيجي', ('Republic of Fiji', 'République des Fidji', 'جمهورية فيجي')),
    ('FLK', 'FK', 'Falkland Islands', 'Îles Malouines', 'جزر فوكلاند', ('Falkland Islands (Malvinas)', 'Malouines, Îles (Falkland)', 'جزر فولكلاند (مالفيناس)')),
    ('FRA', 'FR', 'France', 'France', 'فرنسا', ('French Republic', 'République française', 'جمهوريّة الفرنسيّة')),
    ('FRO', 'FO', 'Faroe Islands', 'îles Féroé', 'جزر الفارو', ()),
    ('FSM', 'FM', 'Micronesia', 'Micronésie', 'ميكرونيزيا', ('Federated States of Micronesia', 'États fédérés de Micronésie', 'ولايات ميكرونيزيا الموحّدة', 'Micronesia, Federated States of', 'Micronésie, États fédérés de', 'ميكرونيزيا، ولايات ميكرونيزيا الموحّدة')),
    ('GAB', 'GA', 'Gabon', 'Gabon', 'الغابون', ('Gabonese Republic', 'République gabonaise', 'الجمهوريّة الغابونيّة')),
    ('GBR', 'GB', 'United Kingdom', 'Royaume-Uni', 'المملكة المتحدة', ('United Kingdom of Great Britain and Northern Ireland', "Royaume-Uni de Grande-Bretagne et d'Irlande du Nord", 'المملكة المتّحدة لبريطانيا العظمى و أيرلندا الشّماليّة', 'المملكة المتّحدة', 'UK', 'Great Britain')),
    ('GEO', 'GE', 'Georgia', 'Géorgie', 'جورجيا', ()),
    ('GGY', 'GG', 'Guernsey', 'Guernesey', 'جزيرة جويرزني', ()),
    ('GHA', 'GH', 'Ghana', 'Ghana', 'غانا', ('Republic of Ghana', 'République du Ghana', 'جمهوريّة غانا')),
    ('GIB', 'GI', 'Gibraltar', 'Gibraltar', 'جبل طارق', ()),
    ('GIN', 'GN', 'Guinea', 'Guinée', 'غينيا', ('Republic of Guinea', 'République de Guinée', 'جمهوريّة غينيا')),
    ('GLP', 'GP', 'Guadeloupe', 'Guadeloupe', 'جوادالوبّي', ()),
    ('GMB', 'GM', 'Gambia', 'Gambie', 'غامبيا', ('Republic of the Gambia', 'République de Gambie', 'جمهورية غامبيا')),
    ('GNB', 'GW', 'Guinea-Bissau', 'Guinée-Bissau', 'غينيا بيساو', ('Republic of Guinea-Bissau', 'République de Guinée-Bissau', 'جمهوريّة غينيا بيساو')),
    ('GNQ', 'GQ', 'Equatorial Guinea', 'Guinée Équatoriale', 'غينيا الاستوائيّة', ('Republic of Equatorial Guinea', 'République de Guinée Équatoriale', 'جمهوريّة غينيا الاستوائيّة')),
    ('GRC', 'GR', 'Greece', 'Grèce', 'اليونان', ('Hellenic Republic', 'République grecque', 'الجمهوريّة الهلنستيّة')),
    ('GRD', 'GD', 'Grenada', 'Grenade', 'غرينادا', ()),
    ('GRL', 'GL', 'Greenland', 'Groënland', 'غرينلاند', ()),
    ('GTM', 'GT', 'Guatemala', 'Guatemala', 'غواتيمالا', ('Republic of Guatemala', 'République du Guatemala', 'جمهوريّة غواتيمالا')),
    ('GUF', 'GF', 'French Guiana', 'Guyane française', 'غيانا الفرنسيّة', ()),
    ('GUM', 'GU', 'Guam', 'Guam', 'جوام', ()),
    ('GUY', 'GY', 'Guyana', 'Guyana', 'غويانا', ('Republic of Guyana', 'République de Guyana', 'جمهوريّة غويانا')),
    ('HKG', 'HK', 'Hong Kong', 'Hong Kong', 'هونغ كونغ', ('Hong Kong Special Administrative Region of China', 'Région spéciale administrative chinoise de Hong-Kong', 'هونج كونج المنطقة الصّينيّة الإداريّة الخاصّة')),
    ('HMD', 'HM', 'Heard Island and McDonald Islands', 'îles Heard-et-MacDonald', 'جزيرة هيرد وجزر مَكْدونالد', ()),
    ('HND', 'HN', 'Honduras', 'Honduras', 'هندوراس', ('Republic of Honduras', 'République du Honduras', 'جمهوريّة هندوراس')),
    ('HRV', 'HR', 'Croatia', 'Croatie', 'كرواتيا', ('Republic of Croatia', 'République de Croatie', 'جمهوريّة كرواتيا')),
    ('HTI', 'HT', 'Haiti', 'Haïti', 'هايتي', ('Republic of Haiti', 'République de Haïti', 'جمهوريّة هايتي')),
    ('HUN', 'HU', 'Hungary', 'Hongrie', 'المجر (هنغاريا)', ()),
    ('IDN', 'ID', 'Indonesia', 'Indonésie', 'إندونيسيا', ('Republic of Indonesia', "République d'Indonésie", 'جمهوريّة اندونيسيا')),
    ('IMN', 'IM', 'Isle of Man', 'Île de Man', 'آيزل أف مان', ()),
    ('IND', 'IN', 'India', 'Inde', 'الهند', ('Republic of India', "République d'Inde", 'جمهوريّة الهند')),
    ('IOT', 'IO', 'British Indian Ocean Territory', "Territoire britannique de l'océan Indien", 'مقاطعة المحيط الهندي البريطانيّة', ()),
    ('IRL', 'IE', 'Ireland', 'Irlande', 'أيرلندا', ()),
    ('IRN', 'IR', 'Iran', 'Iran', 'إيران', ('Iran, Islamic Republic of', 'Islamic Republic of Iran', "République islamique d'Iran", 'الجمهورية الإسلاميّة الإيرانيّة', "Iran, République islamique d'", 'إيران، الجمهوريّة الإسلاميّة الإيرانيّة')),
    ('IRQ', 'IQ', 'Iraq', 'Irak', 'العراق', ('Republic of Iraq', "République d'Iraq", 'جمهوريّة العراق')),
    ('ISL', 'IS', 'Iceland', 'Islande', 'آيسلندا', ('Republic of Iceland', "République d'Islande", 'جمهوريّة آيسلندا')),
    ('ISR', 'IL', 'Israel', 'Israël', 'إسرائيل', ('State of Israel', "État d'Israël", 'دولة إسرائيل')),
    ('ITA', 'IT', 'Italy', 'Italie', 'إيطاليا', ('Italian Republic', 'République italienne', 'الجمهوريّة الإيطاليّة')),
    ('JAM', 'JM', 'Jamaica', 'Jamaïque', 'جامايكا', ()),
    ('JEY', 'JE', 'Jersey', 'Jersey', 'جيرسي', ()),
    ('JOR', 'JO', 'Jordan', 'Jordanie', 'الأردن', ('Hashemite Kingdom of Jordan', 'Royaume hachémite de Jordanie', 'المملكة الأردنيّة الهاشميّة')),
    ('JPN', 'JP', 'Japan', 'Japon', 'اليابان', ()),
    ('KAZ', 'KZ', 'Kazakhstan', 'Kazakhstan', 'كازاخستان', ('Republic of Kazakhstan', 'République du Kazakhstan', 'جمهوريّة كازاخستان')),
    ('KEN', 'KE', 'Kenya', 'Kenya', 'كينيا', ('Republic of Kenya', 'République du Kenya', 'جمهوريّة كينيا')),
    ('KGZ', 'KG', 'Kyrgyzstan', 'Kirghizistan', 'قيرغزستان', ('Kyrgyz Republic', 'République kirghize', 'الجمهوريّة القيرغزيّة')),
    ('KHM', 'KH', 'Cambodia', 'Cambodge', 'كمبوديا', ('Kingdom of Cambodia', 'Royaume du Cambodge', 'مملكة كمبوديا')),
    ('KIR', 'KI', 'Kiribati', 'Kiribati', 'كيريباتي', ('Republic of Kiribati', 'République de Kiribati', 'جمهوريّة كيريباتي')),
    ('KNA', 'KN', 'Saint Kitts and Nevis', 'Saint-Christophe-et-Niévès', 'سانت كيتس و نيفس', ()),
    ('KOR', 'KR', 'South Korea', 'Corée du Sud', 'كوريا الجنوبية', ('Korea, Republic of', 'Corée, République de', 'كوريا، جمهوريّة كوريا', 'Republic of Korea')),
    ('KWT', 'KW', 'Kuwait', 'Koweït', 'الكويت', ('State of Kuwait', 'État du Koweït', 'دولة الكويت')),
    ('LAO', 'LA', 'Laos', 'Laos', 'لاوس', ("Lao People's Democratic Republic", 'Lao, République démocratique populaire', 'جمهوريّة لاو الدّيموقراطيّة الشّعبيّة')),
    ('LBN', 'LB', 'Lebanon', 'Liban', 'لبنان', ('Lebanese Republic', 'République libanaise', 'الجمهوريّة اللّبنانيّة')),
    ('LBR', 'LR', 'Liberia', 'Libéria', 'ليبيريا', ('Republic of Liberia', 'République du Libéria', 'جمهوريّة ليبيريا')),
    ('LBY', 'LY', 'Libya', 'Libye', 'ليبيا', ()),
    ('LCA', 'LC', 'Saint Lucia', 'Sainte-Lucie', 'سانت لوسيا', ()),
    ('LIE', 'LI', 'Liechtenstein', 'Liechtenstein', 'ليشتنشتاين', ('Principality of Liechtenstein', 'Principauté du Liechtenstein', 'إمارة ليشتنشتاين')),
    ('LKA', 'LK', 'Sri Lanka', 'Sri Lanka', 'سريلانكا', ('Democratic Socialist Republic of Sri Lanka', 'République démocratique socialiste de Sri Lanka', 'جمهوريّة سريلانكا الاشتراكيّة الدّيموقراطيّة')),
    ('LSO', 'LS', 'Lesotho', 'Lesotho', 'ليسوتو', ('Kingdom of Lesotho', 'Royaume du Lesotho', 'مملكة ليسوتو')),
    ('LTU', 'LT', 'Lithuania', 'Lituanie', 'لثوانيا', ('Republic of Lithuania', 'République de Lituanie', 'جمهوريّة لثوانيا')),
    ('LUX', 'LU', 'Luxembourg', 'Luxembourg', 'لوكسمبورغ', ('Grand Duchy of Luxembourg', 'Grand-duché du Luxembourg', 'دوقيّة لوكسمبورغ الكبرى')),
    ('LVA', 'LV', 'Latvia', 'Lettonie', 'لاتفيا', ('Republic of Latvia', 'République de Lettonie', 'جمهوريّة لاتفيا')),
    ('MAC', 'MO', 'Macao', 'Macau', 'مكّاو', ('Macao Special Administrative Region of China', 'Région spéciale administrative chinoise de Macao', 'مكّاو المنطقة الصّينيّة الإداريّة الخاصّة')),
    ('MAF', 'MF', 'Saint Martin (French part)', 'Saint-Martin (partie française)', 'سانت مارتين (القطاع الفرنسي)', ()),
    ('MAR', 'MA', 'Morocco', 'Maroc', 'المغرب', ('Kingdom of Morocco', 'Royaume du Maroc', 'المملكة المغربيّة')),
    ('MCO', 'MC', 'Monaco', 'Monaco', 'موناكو', ('Principality of Monaco', 'Principauté de Monaco', 'إمارة موناكو')),
    ('MDA', 'MD', 'Moldova', 'Moldavie', 'المالديف', ('Moldova, Republic of', 'Moldova, République de', 'جمهورية مولدوفا', 'Republic of Moldova', 'République de Moldova', 'جمهوريّة مولدوفا')),
    ('MDG', 'MG', 'Madagascar', 'Madagascar', 'مدغشقر', ('Republic of Madagascar', 'République de Madagascar', 'جمهوريّة مدغشقر')),
    ('MDV', 'MV', 'Maldives', 'Maldives', 'جزر المالديف', ('Republic of Maldives', 'République des Maldives', 'جمهوريّة جزر المالديف')),
    ('MEX', 'MX', 'Mexico', 'Mexique', 'المكسيك', ('United Mexican States', 'États-Unis du Mexique', 'الولايات المكسيكيّة المتّحدة')),
    ('MHL', 'MH', 'Marshall Islands', 'Îles Marshall', 'جزر المارشال', ('Republic of the Marshall Islands', 'République des Îles Marshall', 'جمهوريّة جزر المارشال')),
    ('MKD', 'MK', 'North Macedonia', 'Macédoine du Nord', 'مقدونيا الشمالية', ('Republic of North Macedonia', 'République de Macédoine du Nord', 'جمهوريّة مقدونيا الشمالية')),
    ('MLI', 'ML', 'Mali', 'Mali', 'مالي', ('Republic of Mali', 'République du Mali', 'جمهوريّة مالي')),
    ('MLT', 'MT', 'Malta', 'Malte', 'مالطة', ('Republic of Malta', 'République de Malte', 'جمهوريّة مالطة')),
    ('MMR', 'MM', 'Myanmar', 'Birmanie', 'ميانمار', ('Republic of Myanmar', 'République de Myanmar', 'جمهورية اتحاد ميانمار')),
    ('MNE', 'ME', 'Montenegro', 'Monténégro', 'المنتنيغرو', ()),
    ('MNG', 'MN', 'Mongolia', 'Mongolie', 'منغوليا', ()),
    ('MNP', 'MP', 'Northern Mariana Islands', 'Îles Mariannes du Nord', 'جزر ماريانا الشّماليّة', ('Commonwealth of the Northern Mariana Islands', 'Commonwealth des îles Mariannes du Nord', 'كومنولث جزر ماريانا الشّماليّة')),
    ('MOZ', 'MZ', 'Mozambique', 'Mozambique', 'موزمبيق', ('Republic of Mozambique', 'République du Mozambique', 'جمهوريّة موزمبيق')),
    ('MRT', 'MR', 'Mauritania', 'Mauritanie', 'موريتانيا', ('Islamic Republic of Mauritania', 'République islamique de Mauritanie', 'جمهوريّة موريتانيا الإسلاميّة')),
    ('MSR', 'MS', 'Montserrat', 'Montserrat', 'مونتسيرات', ()),
    ('MTQ', 'MQ', 'Martinique', 'Martinique', 'مارتينيك', ()),
    ('MUS', 'MU', 'Mauritius', 'Maurice', 'موريشيوس', ('Republic of Mauritius', "République de l'Île Maurice", 'جمهوريّة موريشيوس')),
    ('MWI', 'MW', 'Malawi', 'Malawi', 'ملاوي', ('Republic of Malawi', 'République du Malawi', 'جمهوريّة ملاوي')),
    ('MYS', 'MY', 'Malaysia', 'Malaisie', 'ماليزيا', ()),
    ('MYT', 'YT', 'Mayotte', 'Mayotte', 'مايوت', ()),
    ('NAM', 'NA', 'Namibia', 'Namibie', 'ناميبيا', ('Republic of Namibia', 'République de Namibie', 'جمهوريّة ناميبيا')),
    ('NCL', 'NC', 'New Caledonia', 'Nouvelle-Calédonie', 'نيو قلدونيا', ()),
    ('NER', 'NE', 'Niger', 'Niger', 'النّيجر', ('Republic of the Niger', 'République du Niger', 'جمهوريّة النّيجر')),
    ('NFK', 'NF', 'Norfolk Island', 'île Norfolk', 'جزيرة نورفولك', ()),
    ('NGA', 'NG', 'Nigeria', 'Nigeria', 'نيجيريا', ('Federal Republic of Nigeria', 'République fédérale du Nigeria', 'جمهوريّة نيجيريا الاتّحاديّة')),
    ('NIC', 'NI', 'Nicaragua', 'Nicaragua', 'نيكاراجوا', ('Republic of Nicaragua', 'République du Nicaragua', 'جمهوريّة نيكاراغوا')),
    ('NIU', 'NU', 'Niue', 'Nioue', 'نيوي', ()),
    ('NLD', 'NL', 'Netherlands', 'Pays-Bas', 'هولندا', ('Kingdom of the Netherlands', 'Royaume des Pays-Bas', 'مملكة هولندا')),
    ('NOR', 'NO', 'Norway', 'Norvège', 'النّرويج', ('Kingdom of Norway', 'Royaume de Norvège', 'مملكة النّرويج')),
    ('NPL', 'NP', 'Nepal', 'Népal', 'نيبال', ('Federal Democratic Republic of Nepal', 'République fédérale démocratique du Népal', 'جمهورية النيبال الاتحادية الديموقراطيّة')),
    ('NRU', 'NR', 'Nauru', 'Nauru', 'ناورو', ('Republic of Nauru', 'République de Nauru', 'جمهوريّة ناورو')),
    ('NZL', 'NZ', 'New Zealand', 'Nouvelle-Zélande', 'نيوزيلاندا', ()),
    ('OMN', 'OM', 'Oman', 'Oman', 'عمان', ('Sultanate of Oman', "Sultanat d'Oman", 'سلطنة عمان')),
    ('PAK', 'PK', 'Pakistan', 'Pakistan', 'باكستان', ('Islamic Republic of Pakistan', 'République islamique du Pakistan', 'جمهوريّة باكستان الإسلاميّة')),
    ('PAN', 'PA', 'Panama', 'Panama', 'بنما', ('Republic of Panama', 'République du Panama', 'جمهوريّة بنما')),
    ('PCN', 'PN', 'Pitcairn', 'Îles Pitcairn', 'بتكيرن', ()),
    ('PER', 'PE', 'Peru', 'Pérou', 'البيرو', ('Republic of Peru', 'République du Pérou', 'جمهوريّة البيرو')),
    ('PHL', 'PH', 'Philippines', 'Philippines', 'الفلبّين', ('Republic of the Philippines', 'République des Philippines', 'جمهوريّة الفيلبّين')),
    ('PLW', 'PW', 'Palau', 'Palaos', 'بالاو', ('Republic of Palau', 'République de Palau', 'جمهوريّة بالاو')),
    ('PNG', 'PG', 'Papua New Guinea', 'Papouasie-Nouvelle-Guinée', 'بابوا غينيا الجديدة', ('Independent State of Papua New Guinea', 'État indépendant de Papouasie-Nouvelle-Guinée', 'دولة بابوا غينيا الجديدة المستقلة')),
    ('POL', 'PL', 'Poland', 'Pologne', 'بولندا', ('Republic of Poland', 'République de Pologne', 'جمهوريّة بولندا')),
    ('PRI', 'PR', 'Puerto Rico', 'Porto Rico', 'بورتوريكو', ()),
    ('PRK', 'KP', 'North Korea', 'Corée du Nord', 'كوريا الشمالية', ("Korea, Democratic People's Republic of", 'Corée, République populaire démocratique de', "Democratic People's Republic of Korea", 'République démocratique populaire de Corée', 'جمهوريّة كوريا الشّعبيّة الدّيموقراطيّة', 'كوريا، جمهورية كوريا الشّعبيّة الدّيموقراطيّة')),
    ('PRT', 'PT', 'Portugal', 'Portugal', 'البرتغال', ('Portuguese Republic', 'République portugaise', 'الجمهوريّة البرتغاليّة')),
    ('PRY', 'PY', 'Paraguay', 'Paraguay', 'الباراغواي', ('Republic of Paraguay', 'République du Paraguay', 'جمهوريّة الباراغواي')),
    ('PSE', 'PS', 'Palestine', 'Palestine', 'فلسطين', ('the State of Palestine', "l'État de Palestine", 'Palestine, State of', 'Palestine, État de', 'دولة فلسطين')),
    ('PYF', 'PF', 'French Polynesia', 'Polynésie française', 'بولينيسيا الفرنسيّة', ()),
    ('QAT', 'QA', 'Qatar', 'Qatar', 'قطر', ('State of Qatar', 'État du Qatar', 'دولة قطر')),
    ('REU', 'RE', 'Réunion', 'La Réunion', 'ريونيون', ('Réunion, Île de la',)),
    ('ROU', 'RO', 'Romania', 'Roumanie', 'رومانيا', ()),
    ('RUS', 'RU', 'Russia', 'Russie', 'روسيا', ('Russian Federation', 'Russie, Fédération de', 'الاتّحاد الرّوسي', 'Fédération de Russie')),
    ('RWA', 'RW', 'Rwanda', 'Rwanda', 'رواندا', ('Rwandese Republic', 'République rwandaise', 'الجمهوريّة الرّوانديّة')),
    ('SAU', 'SA', 'Saudi Arabia', 'Arabie saoudite', 'السّعوديّة', ('Kingdom of Saudi Arabia', "Royaume d'Arabie saoudite", 'المملكة العربيّة السّعوديّة')),
    ('SDN', 'SD', 'Sudan', 'Soudan', 'السّودان', ('Republic of the Sudan', 'République du Soudan', 'جمهوريّة السّودان')),
    ('SEN', 'SN', 'Senegal', 'Sénégal', 'السّنغال', ('Republic of Senegal', 'République du Sénégal', 'جمهوريّة السّنغال')),
    ('SGP', 'SG', 'Singapore', 'Singapour', 'سنغافورة', ('Republic of Singapore', 'République de Singapour', 'جمهوريّة سنغافورة')),
    ('SGS', 'GS', 'South Georgia and the South Sandwich Islands', 'Géorgie du Sud et les îles Sandwich du Sud', 'جورجيا الجنوبيّة و جزر ساندويتش الجنوبيّة', ()),
    ('SHN', 'SH', 'Saint Helena, Ascension and Tristan da Cunha', 'Sainte-Hélène, Ascension et Tristan da Cunha', 'ساينت هيلينا، تريستان دا كونا', ()),
    ('SJM', 'SJ', 'Svalbard and Jan Mayen', 'Svalbard et île Jan Mayen', 'سفالبارد و جان ماين', ()),
    ('SLB', 'SB', 'Solomon Islands', 'Îles Salomon', 'جزر سليمان', ('Salomon, Îles', 'جزر سولومن')),
    ('SLE', 'SL', 'Sierra Leone', 'Sierra Leone', 'سيراليون', ('Republic of Sierra Leone', 'République de Sierra Leone', 'جمهوريّة سيراليون')),
    ('SLV', 'SV', 'El Salvador', 'Salvador', 'السّلفادور', ('Republic of El Salvador', "République d'El Salvador", 'جمهوريّة السّلفادور')),
    ('SMR', 'SM', 'San Marino', 'Saint-Marin', 'سان مارينو', ('Republic of San Marino', 'République de San Marin', 'جمهوريّة سان مارينو')),
    ('SOM', 'SO', 'Somalia', 'Somalie', 'الصّومال', ('Federal Republic of Somalia', 'République fédérale de Somalie', 'جمهورية الصومال الفيدرالية')),
    ('SPM', 'PM', 'Saint Pierre and Miquelon', 'Saint-Pierre-et-Miquelon', 'سانت بيير و ميكيلون', ()),
    ('SRB', 'RS', 'Serbia', 'Serbie', 'صربية', ('Republic of Serbia', 'République de Serbie', 'جمهوريّة صربية')),
    ('SSD', 'SS', 'South Sudan', 'Soudan du Sud', 'جنوب السّودان', ('Republic of South Sudan', 'République du Soudan du Sud', 'جمهورية جنوب السّودان')),
    ('STP', 'ST', 'Sao Tome and Principe', 'Sao Tomé-et-Principe', 'ساو تومي و برنسبي', ('Democratic Republic of Sao Tome and Principe', 'République démocratique de Sao Tomé et Principe', 'جمهوريّة ساو تومي و برنسبي الدّيموقراطيّة')),
    ('SUR', 'SR', 'Suriname', 'Surinam', 'سورينام', ('Republic of Suriname', 'République du Surinam', 'جمهوريّة سورينام')),
    ('SVK', 'SK', 'Slovakia', 'Slovaquie', 'سلوفاكيا', ('Slovak Republic', 'République slovaque', 'جمهورية سلوفاكيا')),
    ('SVN', 'SI', 'Slovenia', 'Slovénie', 'سلوفينيا', ('Republic of Slovenia', 'République de Slovénie', 'جمهوريّة سلوفينيا')),
    ('SWE', 'SE', 'Sweden', 'Suède', 'السّويد', ('Kingdom of Sweden', 'Royaume de Suède', 'مملكة السّويد')),
    ('SWZ', 'SZ', 'Eswatini', 'Eswatini', 'إسواتيني', ('Kingdom of Eswatini', 'Royaume d’Eswatini', 'مملكة إسواتيني')),
    ('SXM', 'SX', 'Sint Maarten (Dutch part)', 'Saint-Martin (partie néerlandaise)', 'سانت مارتن (الجزء الهولندي)', ()),
    ('SYC', 'SC', 'Seychelles', 'Seychelles', 'السّيشل', ('Republic of Seychelles', 'République des Seychelles', 'جمهوريّة السّيشل')),
    ('SYR', 'SY', 'Syria', 'Syrie', 'سوريا', ('Syrian Arab Republic', 'Syrienne, République arabe', 'الجمهوريّة العربيّة السّوريّة', 'République arabe syrienne', 'سورية')),
    ('TCA', 'TC', 'Turks and Caicos Islands', 'îles Turques-et-Caïques', 'جزر التّرك و الكايكوس', ()),
    ('TCD', 'TD', 'Chad', 'Tchad', 'تشاد', ('Republic of Chad', 'République du Tchad', 'جمهوريّة تشاد')),
    ('TGO', 'TG', 'Togo', 'Togo', 'توغو', ('Togolese Republic', 'République togolaise', 'الجمهوريّة التّوغويّة')),
    ('THA', 'TH', 'Thailand', 'Thaïlande', 'تايلاند', ('Kingdom of Thailand', 'Royaume de Thaïlande', 'مملكة تايلاند')),
    ('TJK', 'TJ', 'Tajikistan', 'Tadjikistan', 'طاجيكستان', ('Republic of Tajikistan', 'République du Tadjikistan', 'جمهوريّة طاجيكستان')),
    ('TKL', 'TK', 'Tokelau', 'Tokelau', 'جزر توكيلو', ()),
    ('TKM', 'TM', 'Turkmenistan', 'Turkménistan', 'تركمانستان', ()),
    ('TLS', 'TL', 'Timor-Leste', 'Timor oriental', 'تيمور-ليستي', ('Democratic Republic of Timor-Leste', 'République démocratique du Timor-Leste', 'جمهوريّة تيمور-ليستي الدّيموقراطيّة')),
    ('TON', 'TO', 'Tonga', 'Tonga', 'تونغا', ('Kingdom of Tonga', 'Royaume des Tonga', 'مملكة تونغا')),
    ('TTO', 'TT', 'Trinidad and Tobago', 'Trinité-et-Tobago', 'ترينيداد و توباغو', ('Republic of Trinidad and Tobago', 'République de Trinité et Tobago', 'جمهوريّة ترينيداد و توباغو')),
    ('TUN', 'TN', 'Tunisia', 'Tunisie', 'تونس', ('Republic of Tunisia', 'République de Tunisie', 'الجمهورية التونسية')),
    ('TUR', 'TR', 'Türkiye', 'Turquie', 'تركيا', ('Republic of Türkiye', 'Turkey')),
    ('TUV', 'TV', 'Tuvalu', 'Tuvalu', 'توفالو', ()),
    ('TWN', 'TW', 'Taiwan', 'Taïwan', 'تايوان', ('Taiwan, Province of China', 'Taïwan, province de Chine', 'تايوان، محافظة صينيّة', 'Taiwan, Province of China')),
    ('TZA', 'TZ', 'Tanzania', 'Tanzanie', 'تنزانيا', ('Tanzania, United Republic of', 'Tanzanie, République unie de', 'تنزانيا، جمهوريّة تنزانيا المتّحدة', 'United Republic of Tanzania', 'République unie de Tanzanie', 'جمهوريّة تنزانيا المتّحدة')),
    ('UGA', 'UG', 'Uganda', 'Ouganda', 'أوغندا', ('Republic of Uganda', "République d'Ouganda", 'جمهوريّة أوغندا')),
    ('UKR', 'UA', 'Ukraine', 'Ukraine', 'أوكرانيا', ()),
    ('UMI', 'UM', 'United States Minor Outlying Islands', 'Îles mineures éloignées des États-Unis', 'جزر الولايات المتّحدة الصّغرى النّائية', ()),
    ('URY', 'UY', 'Uruguay', 'Uruguay', 'الأوروغواي', ('Eastern Republic of Uruguay', "République orientale d'Uruguay", 'جمهوريّة الأوروغواي الشّرقيّة')),
    ('USA', 'US', 'United States', 'États-Unis', 'الولايات المتحدة', ('United States of America', "États-Unis d'Amérique", 'الولايات المتّحدة الأميركيّة', 'الولايات المتّحدة', 'USA')),
    ('UZB', 'UZ', 'Uzbekistan', 'Ouzbékistan', 'أوزبكستان', ('Republic of Uzbekistan', "République d'Ouzbékistan", 'جمهوريّة أوزبكستان')),
    ('VAT', 'VA', 'Holy See (Vatican City State)', 'Saint-Siège (état de la cité du Vatican)', 'المقعد المقدّس (ولاية مدينة الفاتيكان)', ()),
    ('VCT', 'VC', 'Saint Vincent and the Grenadines', 'Saint-Vincent-et-les-Grenadines', 'سانت فنسنت و جزر الغرينادين', ()),
    ('VEN', 'VE', 'Venezuela', 'Vénézuela', 'فنزويلّا', ('Venezuela, Bolivarian Republic of', 'Vénézuela, république bolivarienne du', 'جمهورية فنزويلا البوليفارية', 'Bolivarian Republic of Venezuela', 'République bolivarienne du Vénézuela', 'جمهوريّة فنزويلّا')),
    ('VGB', 'VG', 'British Virgin Islands', 'Îles Vierges britanniques', 'جزر فيرجن البريطانية', ('جزر فيرجن البريطانيّة', 'Virgin Islands, British', 'فيرجن، جزر فيرجن البريطانيّة')),
    ('VIR', 'VI', 'United States Virgin Islands', 'Îles Vierges des États-Unis', 'جزر فيرجن الأمريكية', ('Virgin Islands of the United States', "Îles Vierges des États-Unis d'Amérique", 'جزر فيرجن الأميركيّة', 'Virgin Islands, U.S.', 'Îles Vierges, États-Unis', 'فيرجن، جزر فيرجن الأميركيّة')),
    ('VNM', 'VN', 'Vietnam', 'Viêt Nam', 'الفيتنام', ('Viet Nam', 'الفييتنام', 'Socialist Republic of Viet Nam', 'République socialiste du Viet Nam', 'جمهوريّة الفييتنام الاشتراكيّة')),
    ('VUT', 'VU', 'Vanuatu', 'Vanuatu', 'فانواتو', ('Republic of Vanuatu', 'République du Vanuatu', 'جمهوريّة فانواتو')),
    ('WLF', 'WF', 'Wallis and Futuna', 'Wallis et Futuna', 'واليس و فوتونا', ()),
    ('WSM', 'WS', 'Samoa', 'Samoa', 'صاموا', ('Independent State of Samoa', 'État indépendant de Samoa', 'دولة صاموا المستقلّة')),
    ('YEM', 'YE', 'Yemen', 'Yémen', 'اليمن', ('Republic of Yemen', 'République du Yémen', 'جمهوريّة اليمن')),
    ('ZAF', 'ZA', 'South Africa', 'Afrique du Sud', 'جنوب إفريقيا', ('Republic of South Africa', "République d'Afrique du Sud", 'جمهوريّة جنوب إفريقيا')),
    ('ZMB', 'ZM', 'Zambia', 'Zambie', 'زامبيا', ('Republic of Zambia', 'République de Zambie', 'جمهوريّة زامبيا')),
    ('ZWE', 'ZW', 'Zimbabwe', 'Zimbabwe', 'زمبابوي', ('Republic of Zimbabwe', 'République du Zimbabwe', 'جمهوريّة زمبابوي')),
)

COUNTRIES: tuple[Country, ...] = tuple(Country(*row) for row in _ROWS)
BY_ALPHA3: dict[str, Country] = {c.alpha3: c for c in COUNTRIES}

_ALEF = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627",
                       "\u0671": "\u0627", "\u0629": "\u0647", "\u0649": "\u064a",
                       "\u0640": None})
_NOT_WORD = re.compile(r"[\W_]+")
_MAX_INPUT = 200


def _key(text: str) -> str:
    """Case-, diacritic- and punctuation-insensitive lookup key."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.translate(_ALEF).casefold()
    return _NOT_WORD.sub(" ", bare).strip()


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for c in COUNTRIES:
        for name in (c.en, c.fr, c.ar, *c.aliases):
            index.setdefault(_key(name), c.alpha3)
    for c in COUNTRIES:  # codes win over names ("IRQ", "IQ")
        index[_key(c.alpha3)] = c.alpha3
        index[_key(c.alpha2)] = c.alpha3
    return index


def is_alpha3(code: Any) -> bool:
    """Whether ``code`` is exactly a current ISO 3166-1 alpha-3 code (upper-case)."""
    return isinstance(code, str) and code in BY_ALPHA3


def country_code(text: Any) -> str:
    """The alpha-3 code of a country given as alpha-3, alpha-2 or a name.

    Names are accepted in English, French or Arabic, regardless of case, diacritics
    and punctuation. Raises :class:`ValueError` for anything else.
    """
    if isinstance(text, str) and text in BY_ALPHA3:  # a code is its own key: codes win
        return text
    if not isinstance(text, str) or not text.strip() or len(text) > _MAX_INPUT:
        raise ValueError(f"unknown country: {str(text)[:40]!r}")
    code = _index().get(_key(text))
    if code is None:
        raise ValueError(f"unknown country: {text[:40]!r}")
    return code


def country(text: Any) -> Country:
    """The :class:`Country` for a code or name (see :func:`country_code`)."""
    return BY_ALPHA3[country_code(text)]
