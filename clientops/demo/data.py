"""The demo's vocabulary: French names, cities, banks, roles, and the odds the generator draws
with. Data only; :mod:`clientops.demo.generator` turns it into clients."""

from __future__ import annotations

from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)

KINDS = np.array(["company", "individual", "public_body"], dtype=object)
METHODS = np.array(["transfer", "sepa_debit", "card", "cheque", "cash"], dtype=object)
TERMS = np.array(
    ["on_receipt", "30_days", "30_days_end_of_month", "45_days_end_of_month", "60_days"],
    dtype=object,
)
# Probabilities of METHODS and TERMS by kind (company, individual, public body).
METHOD_P: list[list[float]] = [[0.50, 0.25, 0.12, 0.13, 0.00], [0.15, 0.30, 0.35, 0.15, 0.05], [1, 0, 0, 0, 0]]
TERMS_P: list[list[float]] = [[0.10, 0.40, 0.20, 0.20, 0.10], [0.70, 0.30, 0, 0, 0], [0, 1, 0, 0, 0]]

FIRST_NAMES = (
    "Camille Léa Manon Chloé Emma Inès Sarah Julie Laura Marie Anne Claire Sophie Nathalie "
    "Isabelle Céline Aurélie Élodie Hélène Valérie Sandrine Margaux Juliette Lucie Pauline "
    "Thomas Nicolas Julien Maxime Alexandre Antoine Hugo Lucas Louis Paul Pierre Jean Michel "
    "Philippe François Laurent Olivier Stéphane Sébastien Vincent Mathieu Romain Guillaume "
    "Benoît Christophe Éric Frédéric Jérôme Arnaud Cédric Damien Yannick Thierry Bruno Gaëlle"
).split()
LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu "
    "Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun "
    "Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
    "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud "
    "Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq "
    "Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin"
).split()
ACTIVITIES = [
    "Boulangerie", "Pâtisserie", "Menuiserie", "Plomberie", "Électricité", "Transports",
    "Garage", "Imprimerie", "Pharmacie", "Librairie", "Fromagerie", "Boucherie", "Charpente",
    "Maçonnerie", "Peinture", "Carrosserie", "Architecture", "Conseil", "Informatique",
    "Paysages", "Nettoyage", "Traiteur", "Optique", "Ambulances", "Serrurerie", "Couverture",
    "Chauffage", "Cabinet", "Atelier", "Éditions", "Vins", "Domaine", "Hôtel", "Restaurant",
]
LEGAL_FORMS = ["SARL", "SAS", "SASU", "EURL", "SA", "SNC", "SCOP"]
PUBLIC_NAMES = [
    "Commune de {}", "Mairie de {}", "Centre communal d'action sociale de {}",
    "Communauté de communes de {}", "Collège Jean Moulin de {}", "Centre hospitalier de {}",
    "Office de tourisme de {}", "Syndicat des eaux de {}",
]
PUBLIC_DOMAINS = ["ville-{}.fr", "mairie-{}.fr", "ccas-{}.fr", "cc-{}.fr", "college-{}.fr",
                  "ch-{}.fr", "tourisme-{}.fr", "eaux-{}.fr"]
STREET_TYPES = ["rue", "avenue", "boulevard", "place", "chemin", "allée", "impasse", "quai",
                "route"]
STREET_NAMES = [
    "de la République", "Victor Hugo", "Jean Jaurès", "du Général de Gaulle", "Pasteur",
    "de la Gare", "des Écoles", "du Moulin", "de l'Église", "Gambetta", "Voltaire",
    "de la Liberté", "des Lilas", "du Château", "Jules Ferry", "de Verdun", "Émile Zola",
    "de la Paix", "des Tilleuls", "du Stade", "Carnot", "Foch", "de Paris", "Nationale",
    "des Acacias", "Saint-Martin", "de la Mairie", "du Port", "des Vignes", "Anatole France",
]
# (postal code, city): real communes across the regions.
CITIES = [
    ("75001", "Paris"), ("75008", "Paris"), ("75011", "Paris"), ("75015", "Paris"),
    ("75017", "Paris"), ("92100", "Boulogne-Billancourt"), ("93100", "Montreuil"),
    ("94300", "Vincennes"), ("78000", "Versailles"), ("95000", "Cergy"), ("91300", "Massy"),
    ("77300", "Fontainebleau"), ("69001", "Lyon"), ("69003", "Lyon"), ("69100", "Villeurbanne"),
    ("13001", "Marseille"), ("13100", "Aix-en-Provence"), ("06000", "Nice"),
    ("83000", "Toulon"), ("34000", "Montpellier"), ("30000", "Nîmes"), ("84000", "Avignon"),
    ("31000", "Toulouse"), ("33000", "Bordeaux"), ("64100", "Bayonne"), ("64000", "Pau"),
    ("87000", "Limoges"), ("86000", "Poitiers"), ("17000", "La Rochelle"), ("44000", "Nantes"),
    ("35000", "Rennes"), ("29200", "Brest"), ("56100", "Lorient"), ("49000", "Angers"),
    ("37000", "Tours"), ("45000", "Orléans"), ("72000", "Le Mans"), ("14000", "Caen"),
    ("76000", "Rouen"), ("76600", "Le Havre"), ("59000", "Lille"), ("62000", "Arras"),
    ("80000", "Amiens"), ("51100", "Reims"), ("67000", "Strasbourg"), ("68100", "Mulhouse"),
    ("57000", "Metz"), ("54000", "Nancy"), ("21000", "Dijon"), ("25000", "Besançon"),
    ("38000", "Grenoble"), ("73000", "Chambéry"), ("74000", "Annecy"), ("42000", "Saint-Étienne"),
    ("63000", "Clermont-Ferrand"), ("18000", "Bourges"), ("66000", "Perpignan"),
    ("11100", "Narbonne"), ("20000", "Ajaccio"), ("97400", "Saint-Denis"),
]
# Landline area digit (01 Île-de-France … 05 south-west) by the postal code's department.
AREA = {"75": 1, "77": 1, "78": 1, "91": 1, "92": 1, "93": 1, "94": 1, "95": 1,
         "14": 2, "29": 2, "35": 2, "37": 2, "44": 2, "45": 2, "49": 2, "56": 2, "72": 2,
         "76": 2, "18": 2, "97": 2, "21": 3, "25": 3, "51": 3, "54": 3, "57": 3, "59": 3,
         "62": 3, "67": 3, "68": 3, "80": 3, "06": 4, "11": 4, "13": 4, "20": 4, "30": 4,
         "34": 4, "38": 4, "42": 4, "63": 4, "66": 4, "69": 4, "73": 4, "74": 4, "83": 4,
         "84": 4, "17": 5, "31": 5, "33": 5, "64": 5, "86": 5, "87": 5}
MOBILE_PREFIXES = np.array([60, 61, 62, 64, 65, 66, 67, 68, 73, 74, 75, 76, 77, 78])
MAIL_PROVIDERS = ["gmail.com", "orange.fr", "free.fr", "laposte.net", "outlook.fr", "sfr.fr",
                  "wanadoo.fr", "hotmail.fr", "yahoo.fr"]
COMPANY_MAILBOXES = ["contact", "compta", "facturation", "administratif", "direction"]
ROLES = ["Gérant", "Comptable", "Directeur financier", "Assistante de direction",
         "Responsable achats", "Service comptabilité", "Directrice générale", "Trésorier"]
OWNERS = ["camille.durand", "julien.moreau", "sophie.lambert", "karim.benali", "lea.fontaine"]
TAGS = ["grand-compte", "export", "partenaire", "prospect-converti", "sensible", "btp"]
TASK_TITLES = [
    "Relancer par téléphone", "Vérifier le RIB", "Envoyer le mandat SEPA à signer",
    "Mettre à jour l'adresse de facturation", "Préparer le devis annuel",
    "Appeler le service comptable", "Contrôler le numéro de TVA", "Proposer un échéancier",
    "Récupérer le bon de commande", "Rapprocher le paiement non lettré",
]
COMMENTS = ["Client fidèle depuis 2015.", "Préfère être contacté le matin.",
            "Factures à envoyer en double exemplaire.", "Attention : changement de gérant.",
            "Paiement souvent groupé en fin de mois."]
# Banks (bank code → BIC and name come from schwifty's registry at build time).
BANK_CODES = ["30004", "30002", "30006", "20041", "10278", "30066", "10107", "13807",
              "18206", "42559", "15589", "30076", "11315"]
BANK_P = [0.16, 0.10, 0.14, 0.12, 0.10, 0.08, 0.05, 0.06, 0.05, 0.03, 0.04, 0.03, 0.04]
VAT_BP = np.array([2000, 1000, 550])  # 20 %, 10 %, 5.5 % in basis points
REMINDER_DAYS = (7, 15, 30)
