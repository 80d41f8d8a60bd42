/*
 * mask_words.c - the word lists of the name, first_name, last_name and
 * email functions: 256 first names and 256 last names, common ones from
 * many countries, plain ASCII, capitalised ("Olivia"). 256 each so that
 * one byte of the HMAC picks a word without bias. Changing a list changes
 * every masked output for every key: append-only is not enough either
 * (the count must stay 256), so leave them alone once released.
 */
#include "util/common.h"
#include "mask/mask_impl.h"

const char *const mask_first_names[MASK_WORDS] = {
	"Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn",
	"Abigail", "Emily", "Ella", "Elizabeth", "Camila", "Luna", "Sofia", "Avery",
	"Mila", "Aria", "Scarlett", "Penelope", "Layla", "Chloe", "Victoria", "Madison",
	"Eleanor", "Grace", "Nora", "Riley", "Zoey", "Hannah", "Hazel", "Lily", "Ellie",
	"Violet", "Lillian", "Zoe", "Stella", "Aurora", "Natalie", "Emilia", "Everly",
	"Leah", "Aubrey", "Willow", "Addison", "Lucy", "Audrey", "Bella", "Nova",
	"Brooklyn", "Paisley", "Savannah", "Claire", "Skylar", "Isla", "Genesis", "Naomi",
	"Elena", "Caroline", "Eliana", "Anna", "Maya", "Valentina", "Ruby", "Kennedy",
	"Ivy", "Ariana", "Aaliyah", "Cora", "Madelyn", "Alice", "Kinsley", "Hailey",
	"Gabriella", "Allison", "Gianna", "Serenity", "Samantha", "Sarah", "Autumn",
	"Quinn", "Eva", "Piper", "Sophie", "Sadie", "Delilah", "Josephine", "Nevaeh",
	"Adeline", "Arya", "Emery", "Lydia", "Clara", "Vivian", "Madeline", "Peyton",
	"Julia", "Rylee", "Maria", "Laura", "Ines", "Marta", "Paula", "Nina", "Lena",
	"Greta", "Ingrid", "Astrid", "Freya", "Helga", "Yuki", "Mei", "Priya", "Anika",
	"Fatima", "Amina", "Leila", "Sara", "Rosa", "Carmen", "Lucia", "Elsa", "Irene",
	"Diana", "Liam", "Noah", "Oliver", "William", "Elijah", "James", "Benjamin",
	"Lucas", "Mason", "Ethan", "Alexander", "Henry", "Jacob", "Michael", "Daniel",
	"Logan", "Jackson", "Sebastian", "Jack", "Aiden", "Owen", "Samuel", "Matthew",
	"Joseph", "Levi", "Mateo", "David", "John", "Wyatt", "Carter", "Julian", "Luke",
	"Grayson", "Isaac", "Jayden", "Theodore", "Gabriel", "Anthony", "Dylan", "Leo",
	"Lincoln", "Jaxon", "Asher", "Christopher", "Josiah", "Andrew", "Thomas", "Joshua",
	"Ezra", "Hudson", "Charles", "Caleb", "Isaiah", "Ryan", "Nathan", "Adrian",
	"Christian", "Maverick", "Colton", "Elias", "Aaron", "Eli", "Landon", "Jonathan",
	"Nolan", "Hunter", "Cameron", "Connor", "Santiago", "Jeremiah", "Ezekiel", "Angel",
	"Roman", "Easton", "Miles", "Robert", "Jameson", "Nicholas", "Greyson", "Cooper",
	"Ian", "Carson", "Axel", "Dominic", "Leonardo", "Luca", "Austin", "Jordan", "Adam",
	"Xavier", "Jose", "Everett", "Declan", "Evan", "Parker", "Wesley", "Kai", "Weston",
	"Jason", "Emmett", "Sawyer", "Silas", "Bennett", "Brooks", "Micah", "Damian",
	"Harrison", "Vincent", "Rowan", "George", "Luis", "Chase", "Cole", "Nathaniel",
	"Zachary", "Gavin", "Tyler", "Diego", "Oscar", "Patrick", "Felix", "Marcus",
	"Peter", "Hugo", "Jonas", "Lars", "Erik", "Sven", "Kenji", "Hiro", "Ravi",
};

const char *const mask_last_names[MASK_WORDS] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
	"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
	"Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
	"White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
	"Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
	"Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker",
	"Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy",
	"Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey",
	"Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
	"Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz",
	"Hughes", "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long",
	"Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry", "Russell", "Sullivan",
	"Bell", "Coleman", "Butler", "Henderson", "Barnes", "Fisher", "Vasquez", "Simmons",
	"Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds",
	"Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera",
	"Gibson", "Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford",
	"Castro", "Marshall", "Owens", "Harrison", "Fernandez", "Woods", "Washington",
	"Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman", "Webb", "Tucker",
	"Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon",
	"Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Munoz", "Hunt", "Hicks",
	"Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone",
	"Salazar", "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza",
	"Daniels", "Ferguson", "Nichols", "Stephens", "Soto", "Weaver", "Ryan", "Gardner",
	"Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins", "Arnold", "Pierce",
	"Vazquez", "Hansen", "Peters", "Santos", "Hart", "Bradley", "Knight", "Elliott",
	"Cunningham", "Duncan", "Armstrong", "Hudson", "Carroll", "Lane", "Riley",
	"Andrews", "Alvarado", "Ray", "Delgado", "Berry", "Perkins", "Hoffman", "Johnston",
	"Matthews", "Pena", "Richards", "Contreras", "Willis", "Carpenter", "Lawrence",
	"Sandoval", "Guerrero", "George", "Chapman", "Rios", "Estrada", "Ortega",
	"Watkins", "Greene", "Nunez", "Wheeler", "Valdez", "Harper", "Burke", "Larson",
	"Santiago", "Maldonado", "Morrison", "Franklin", "Carlson", "Austin", "Dominguez",
	"Carr", "Lawson", "Jacobs", "Lynch",
};
