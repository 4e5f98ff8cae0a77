// French given names and family names, with their accents, apostrophes and hyphens on purpose: search,
// sorting and display must cope with "Hélène", "N'DIAYE" and "MÜLLER-BÉRAUD" from the first day.

export const FEMALE_GIVEN = [
  'Hélène', 'Françoise', 'Zoé', 'Anaïs', 'Cécile', 'Léa', 'Éloïse', 'Chloé', 'Inès', 'Maëlle', 'Noémie', 'Agnès',
  'Mélanie', 'Sophie', 'Camille', 'Manon', 'Jeanne', 'Louise', 'Émilie', 'Aurélie', 'Nathalie', 'Isabelle',
  'Thérèse', 'Geneviève', 'Gisèle', 'Josiane', 'Monique', 'Martine', 'Danièle', 'Océane', 'Maïwenn', 'Clémence',
  'Bérénice', 'Anne-Laure', 'Marie-Noëlle', 'Joséphine', 'Héloïse', 'Léonie', 'Anaëlle', 'Mathilde', 'Élodie',
  'Valérie', 'Adèle', 'Salomé', 'Marie', 'Claire', 'Juliette', 'Aïcha', 'Fatoumata', 'Yasmine',
] as const

export const MALE_GIVEN = [
  'François', 'Jérôme', 'Gaël', 'Noël', 'Frédéric', 'Stéphane', 'Loïc', 'Benoît', 'André', 'René', 'Hervé', 'Joël',
  'Raphaël', 'Mickaël', 'Théo', 'Léo', 'Noé', 'Timothée', 'Jean-Noël', 'Jean-François', 'Cédric', 'Régis',
  'Aurélien', 'Sébastien', 'Grégoire', 'Côme', 'Gérard', 'Thierry', 'Nicolas', 'Pierre', 'Louis', 'Hugo', 'Lucas',
  'Mathéo', 'Éric', 'Émile', 'Jules', 'Maël', 'Yannick', 'Bruno', 'Denis', 'Julien', 'Clément', 'Étienne',
  'Mohamed', 'Yanis', 'Jean', 'Michel', 'Philippe', 'Anthony',
] as const

export const FAMILY_NAMES = [
  'DURAND', 'LEFÈVRE', 'GIRAUD', 'MÜLLER-BÉRAUD', "N'DIAYE", "D'ALMEIDA", 'MARTIN', 'BERNARD', 'DUBOIS', 'THOMAS',
  'ROBERT', 'RICHARD', 'PETIT', 'MOREAU', 'LAURENT', 'SIMON', 'MICHEL', 'LEROY', 'ROUX', 'DAVID', 'BERTRAND',
  'MOREL', 'FOURNIER', 'GIRARD', 'BONNET', 'DUPONT', 'LAMBERT', 'ROUSSEAU', 'VINCENT', 'MULLER', 'FAURE',
  'ANDRÉ', 'MERCIER', 'BLANC', 'GUÉRIN', 'BOYER', 'GARNIER', 'CHEVALIER', 'FRANÇOIS', 'LEGRAND', 'GAUTHIER',
  'GARCIA', 'ROBIN', 'CLÉMENT', 'MORIN', 'NICOLAS', 'HENRY', 'MATHIEU', 'MASSON', 'DUVAL', 'DENIS', 'DUMONT',
  'LEMAIRE', 'NOËL', 'MEYER', 'DUFOUR', 'MEUNIER', 'BRUN', 'BLANCHARD', 'JOLY', 'RIVIÈRE', 'LUCAS', 'BRUNET',
  'GAILLARD', 'BARBIER', 'ARNAUD', 'GÉRARD', 'ROCHE', 'RENARD', 'SCHMITT', 'ROY', 'LEROUX', 'COLIN', 'VIDAL',
  'CARON', 'PICARD', 'FABRE', 'AUBERT', 'LEMOINE', 'DUMAS', 'LACROIX', 'OLIVIER', 'BOURGEOIS', 'BENOÎT', 'REY',
  'LECLERC', 'PAYET', 'ROLLAND', 'LECOMTE', 'LE GOFF', 'LE GALL', 'QUÉMÉNEUR', 'PELLETIER', 'DESCHAMPS',
  'HÉBERT', 'CÔTÉ', 'LEBRUN', 'MÉNARD', 'GRÉGOIRE', 'DIALLO', 'TRAORÉ', 'NGUYEN', 'BENALI', 'HADDAD',
  'OUÉDRAOGO', 'COULIBALY', 'ÉTIENNE', 'DE LA FONTAINE', "L'HÔTE", 'SAINT-ÉTIENNE', 'LEFEBVRE', 'BÉGUIN',
] as const

/** Towns around the (fictitious) establishment, for home addresses. */
export const HOME_TOWNS = [
  { city: 'Orléans', postalCode: '45000' },
  { city: 'Olivet', postalCode: '45160' },
  { city: 'Saint-Jean-de-Braye', postalCode: '45800' },
  { city: 'Fleury-les-Aubrais', postalCode: '45400' },
  { city: 'Saran', postalCode: '45770' },
  { city: 'Chécy', postalCode: '45430' },
  { city: 'La Ferté-Saint-Aubin', postalCode: '45240' },
  { city: 'Meung-sur-Loire', postalCode: '45130' },
  { city: 'Beaugency', postalCode: '45190' },
  { city: 'Jargeau', postalCode: '45150' },
  { city: 'Saint-Jean-le-Blanc', postalCode: '45650' },
  { city: 'Ingré', postalCode: '45140' },
] as const

export const STREETS = [
  'rue de la République', 'avenue Jean-Jaurès', 'rue Émile-Zola', 'place du Martroi', 'rue des Écoles',
  'boulevard Alexandre-Martin', 'rue de Bourgogne', 'allée des Tilleuls', 'chemin des Prés', 'rue Jeanne-d’Arc',
  'impasse des Mûriers', 'rue du Général-de-Gaulle', 'route de Sandillon', 'rue des Fossés', 'quai du Châtelet',
] as const
