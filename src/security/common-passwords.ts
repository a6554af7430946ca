/**
 * Passwords that attackers try first: the top of the public breach-corpus lists, keyboard walks (including the
 * Japanese keyboard favourites), and words common in Japanese and in hospitals. Lower case; the policy compares
 * case-insensitively and also after removing trailing digits and symbols ("Password1234!" counts as "password").
 * Backtick-free, whitespace-separated, one token per password.
 */
const LIST = `
  123456 123456789 12345678 12345 1234567 1234567890 123123 111111 000000 654321 666666 121212 112233 123321
  1234 12345678910 123456789012 1234567890123 0123456789 987654321 9876543210 11111111 111111111111 00000000
  000000000000 123123123 123456123456 147258369 159753 1q2w3e 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx
  1qaz2wsx3edc 1qazxsw2 zaq12wsx zaq1zaq1 zaq1xsw2 qazwsx qazwsxedc qwe123 qweasd qweasdzxc asd123 zxc123
  abc123 abcd1234 abc12345 a123456 a12345678 aa123456 aa12345678 q1w2e3r4 q1w2e3r4t5 q1w2e3r4t5y6 1a2b3c4d
  11qq22ww 1234qwer qwer1234 asdf1234 zxcv1234 password password1 password12 password123 password1234 passw0rd
  p@ssw0rd p@ssword pa55word pa55w0rd passwort motdepasse contrasena contraseña senha parola wachtwoord
  passpass password! mypassword newpassword oldpassword secret secret123 topsecret letmein letmein123 welcome
  welcome1 welcome123 welcometo changeme changeme123 default qwerty qwerty1 qwerty12 qwerty123 qwerty1234
  qwertyuiop qwertyuiop123 qwertyuiop1234 qwertyuiopasdfghjkl qwertz qwertzuiop azerty azertyuiop asdfgh
  asdfghjkl asdfghjkl123 asdfjkl zxcvbn zxcvbnm zxcvbnm123 qazxswedc poiuytrewq lkjhgfdsa mnbvcxz
  1qaz2wsx3edc4rfv qweqweqwe asdasdasd zxczxczxc abcabc abcdef abcdefg abcdefgh abcdefghi abcdefghij
  abcdefghijk abcdefghijkl abcdefghijklm abcdefghijklmnopqrstuvwxyz aaaaaa aaaaaaaa aaaaaaaaaaaa a1b2c3
  a1b2c3d4 iloveyou iloveyou1 iloveyou2 iloveu loveyou lovely loveme love123 ilovemymom imissyou trustno1
  whatever admin admin1 admin12 admin123 admin1234 administrator root root123 toor guest guest123 user user123
  test test1 test123 test1234 testing testtest demo demo123 sample example login login123 access access123
  master master123 superuser sysadmin system manager operator support service helpdesk webmaster office
  office123 company monkey dragon shadow sunshine princess football baseball basketball soccer hockey tennis
  golf superman batman spiderman ironman starwars pokemon pikachu naruto onepiece doraemon totoro gundam
  sailormoon hellokitty kitty mickey minnie donald snoopy tigger pooh winnie charlie michael jennifer jordan
  jordan23 daniel thomas robert andrew joshua matthew jessica ashley amanda michelle nicole hannah sophie
  jasmine maggie buster ginger pepper cookie chocolate cheese banana orange apple strawberry cherry blueberry
  summer winter spring autumn freedom liberty peace heaven angel angels flower flowers butterfly rainbow
  purple yellow silver golden diamond computer internet samsung google microsoft windows apple123 iphone
  android facebook twitter youtube linkedin killer hunter ranger soldier warrior knight wizard ninja samurai
  shogun tiger lion eagle falcon phoenix mustang ferrari porsche corvette harley yamaha toyota honda nissan
  suzuki mazda subaru mercedes bmw nothing everything something anything nobody somebody hello hello123
  hello1234 helloworld hi123 goodbye matrix hacker hackme pass pass123 pass1234 passpass123 zaqwsx qwaszx
  7777777 777777 888888 999999 555555 222222 333333 444444 101010 202020 696969 131313 123654 121314 147852
  741852963 789456123 789456 456789 102030 19700101 19800101 19900101 20000101 1234abcd abcd abcde 123abc
  123qwe 123asd qwe qweqwe qwerqwer asdfasdf sakura sakura123 tokyo osaka kyoto nagoya yokohama fukuoka
  sapporo hokkaido okinawa nihon nippon japan japan123 arigatou arigato konnichiwa sayonara ohayou ganbare
  ganbatte daisuki aishiteru kawaii sugoi himitsu himitu baka neko inu usagi tanuki kitsune momotaro hanako
  taro tarou ichiro jiro saburo yamada tanaka sato takahashi watanabe ito nakamura kobayashi kato yoshida
  yamamoto matsumoto inoue kimura hayashi shimizu ringo mikan sushi ramen tempura sakeriko fujisan fuji asahi
  kirin sapporo1 yamato musashi shinobi tamago gokigen kaisha kaishain byouin byoin iryou iryo kango kangoshi
  isha sensei kanja yakkyoku kensa kensashitsu hospital hospital1 clinic clinic123 medical medical1 medicine
  health health123 healthcare doctor doctor123 nurse nurse123 patient pharmacy radiology pacs pacs123 ris ehr
  emr dicom hl7 fhir modality viewer imaging ct123 mri123 xray ultrasound lab laboratory openmds openmds123
  mds mds2 jahis jira mhlw monday tuesday wednesday thursday friday saturday sunday january february march
  april june july august september october november december yankees lakers cowboys eagles giants dodgers
  qwerty123456 qwertyqwerty qwerty12345 asdfghjkl1234 zxcvbnm1234 1qaz2wsx3edc4rfv5tgb qwertyuiop[]
  1234567890qwertyuiop q1w2e3r4t5y6u7i8o9p0 1q2w3e4r5t6y7u8i9o0p poiuytrewq123 0987654321 09876543210
  passwordpassword password12345 password123456 administrator1 administrator123 welcome12345 welcome2024
  welcome2025 letmein12345 iloveyou1234 iloveyou123 changeme1234 secret1234 trustno1234 sunshine123
  princess123 football123 baseball123 dragon123 monkey123 shadow123 master1234 superman123 batman123
  starwars123 pokemon123 sakura1234 qwerty1234567 abc123456789 abcd12345678 aa1234567890 a1234567890
  a123456789 asdf123456 zxcv123456 qwer123456
`;

/** The common passwords, lower case. */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(LIST.split(/\s+/).filter((w) => w !== ''));
