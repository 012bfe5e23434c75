// Las palabras en español de la vista del idioma: el gemelo de en-language.js.
// Una entrada por línea, `'clave': ...`, como en es.js.

export default {
  'language.title': 'Idioma',
  'language.intro': 'El idioma en el que Skillpath te habla. Cambia al momento, aunque no tengas señal, y en tus otros dispositivos cuando este teléfono se sincronice.',
  'language.choose': 'Elige tu idioma',
  'language.content': 'Las lecciones y los perfiles se muestran en tu idioma cuando sus autores los han traducido, y tal como se escribieron si no.',
  'language.saved': 'Guardado. Skillpath ahora te habla en {language}.',
};
