// The Spanish words of the privacy view, en-privacy.js's twin key for key: loaded with
// that view, only in Spanish. One entry per line, `'key': ...`, as in en.js.
// Its terms: a release is an “informe” (published, never live); L&D is written out as
// “Aprendizaje y Desarrollo”; a mentor is “la persona mentora”, or the sentence says
// what they do.

export default {
  'privacy.yours': 'Tus calificaciones',
  'privacy.only_you': 'Solo tú ves tus calificaciones y las notas que escribes con ellas. Ni quien te supervisa, ni Aprendizaje y Desarrollo, ni quienes escriben el perfil de tu puesto.',
  'privacy.ld': 'Lo que ve Aprendizaje y Desarrollo',
  'privacy.weekly': 'Una vez por semana, Aprendizaje y Desarrollo recibe recuentos de grupos de personas.',
  'privacy.every_days': { one: 'Una vez al día, Aprendizaje y Desarrollo recibe recuentos de grupos de personas.', many: 'Cada {count} de días, Aprendizaje y Desarrollo recibe recuentos de grupos de personas.', other: 'Cada {count} días, Aprendizaje y Desarrollo recibe recuentos de grupos de personas.' },
  'privacy.now_and_then': 'De vez en cuando, Aprendizaje y Desarrollo recibe recuentos de grupos de personas.',
  'privacy.noise': 'Se les agrega un poco de ruido, para que nadie, ni siquiera Aprendizaje y Desarrollo, pueda deducir las respuestas de una persona.',
  'privacy.counted': 'Los recuentos dicen cuántas personas se calificaron en cada nivel y suman el tiempo y los costos que piden los planes. No incluyen nombres.',
  'privacy.threshold': { one: 'Un grupo de menos de {count} persona aparece como “muy pocas personas para mostrar”.', many: 'Un grupo de menos de {count} de personas aparece como “muy pocas personas para mostrar”.', other: 'Un grupo de menos de {count} personas aparece como “muy pocas personas para mostrar”.' },
  'privacy.last_release': 'El último informe se publicó el {date}.',
  'privacy.no_release': 'Todavía no se ha publicado ningún informe.',
  'privacy.not_loaded': 'Conéctate a internet una vez para ver cuándo se publicó el último informe.',
  'privacy.others': 'Tu plan y la mentoría',
  'privacy.plan': 'Tu plan es tuyo: nadie más lo ve. Alguien de tu equipo puede sugerirte algo para tu plan, pero nunca ve tus calificaciones ni el resto del plan.',
  'privacy.mentor': 'La persona mentora sabe en qué quieres ayuda solo cuando se lo pides, y ve tu calificación solo si marcas la casilla para compartirla en esa solicitud.',
  'privacy.offer': 'Si ofreces mentoría, tus colegas ven en qué ofreces ayuda, nunca tus calificaciones.',
  'privacy.records': 'Otros sistemas',
  'privacy.records_sent': 'El sistema de registro de aprendizaje de tu organización recibe cada lección que terminas y cada respuesta de práctica (correcta o no, y cuánto tardaste), con un código en lugar de tu nombre. Tus autoevaluaciones, tu plan y tu mentoría nunca salen de Skillpath.',
  'privacy.records_none': 'Nada de lo que haces en Skillpath se envía a otro sistema.',
  'privacy.data': 'Tus datos',
  'privacy.export': 'En Cuenta puedes descargar todo lo que Skillpath guarda sobre ti o eliminar tu cuenta. Los informes publicados después de que la elimines ya no te cuentan.',
  'privacy.data_link': 'Descargar o eliminar tus datos',
  'privacy.back': 'Volver a tu autoevaluación',
};
